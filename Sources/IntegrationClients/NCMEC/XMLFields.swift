import CLibXML2
package import Foundation

/// The text of each element of a small XML answer (NCMEC's `<reportResponse>`, `<status>`), by
/// element name, first occurrence; and how many times each element occurs.
///
/// Read with libxml2's pull parser, as the list importer reads NCMEC's files: Foundation's
/// XMLParser on Linux stops the process on a processing instruction without data (`<?a?>`, found
/// by libFuzzer in a CyberTipline answer) and on a name that is not valid UTF-8 (found by the
/// seeded fuzz tests), so an answer from a remote service could bring the server down.
package struct XMLFields {
    private(set) var texts: [String: String] = [:]
    private(set) var counts: [String: Int] = [:]
    /// Every text of each element, in document order.
    private(set) var everyText: [String: [String]] = [:]
    /// The attributes of each occurrence of each element, in document order.
    private(set) var everyAttributes: [String: [[String: String]]] = [:]
    private(set) var root: String?

    /// No network, no entity expansion from outside, no error printed by libxml2 itself.
    static let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)

    /// libxml2 is initialised once before its first use from any thread (its documentation asks so).
    static let libxml: Void = xmlInitParser()

    /// Nil for a document that is not well-formed or not UTF-8.
    package init?(_ data: Data) {
        guard !data.isEmpty, data.count < Int32.max, String(validating: data, as: UTF8.self) != nil else { return nil }
        Self.libxml
        let read: Bool = data.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress,
                  let reader = xmlReaderForMemory(base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil, nil, Self.options)
            else { return false }
            defer { xmlFreeTextReader(reader) }
            return collect(reader)
        }
        guard read, root != nil else { return nil }
    }

    package subscript(name: String) -> String? { texts[name] }

    func all(_ name: String) -> [String] { everyText[name] ?? [] }

    /// Walks the document: false when it is not well-formed, or declares a DTD or uses an entity of
    /// one (NCMEC sends neither; an entity's expansion is work an answer need not cost).
    private mutating func collect(_ reader: OpaquePointer) -> Bool {
        var stack: [(name: String, text: String)] = []
        while true {
            switch xmlTextReaderRead(reader) {
            case 1: break
            case 0: return stack.isEmpty
            default: return false
            }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let name = Self.text(xmlTextReaderConstName(reader))
                if root == nil { root = name }
                counts[name, default: 0] += 1
                everyAttributes[name, default: []].append(Self.attributes(reader))
                stack.append((name, ""))
                // `<a/>` has no end node of its own.
                if xmlTextReaderIsEmptyElement(reader) == 1 { end(stack.removeLast()) }
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                 Int32(XML_READER_TYPE_WHITESPACE.rawValue), Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
                if !stack.isEmpty { stack[stack.count - 1].text += Self.text(xmlTextReaderConstValue(reader)) }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                guard let element = stack.popLast() else { return false }
                end(element)
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue), Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue),
                 Int32(XML_READER_TYPE_ENTITY.rawValue):
                return false
            default:
                continue
            }
        }
    }

    private mutating func end(_ element: (name: String, text: String)) {
        let text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return }
        if texts[element.name] == nil { texts[element.name] = text }
        everyText[element.name, default: []].append(text)
    }

    private static func attributes(_ reader: OpaquePointer) -> [String: String] {
        var attributes: [String: String] = [:]
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            attributes[text(xmlTextReaderConstName(reader))] = text(xmlTextReaderConstValue(reader))
        }
        _ = xmlTextReaderMoveToElement(reader)
        return attributes
    }

    /// libxml2's strings are UTF-8 (the document was checked to be); a missing one is empty.
    private static func text(_ pointer: UnsafePointer<xmlChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}
