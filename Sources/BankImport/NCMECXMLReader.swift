package import Banks
import CLibXML2
import Foundation
import PDQ

/// NCMEC Hash Sharing v2 entry files (`<queryResult>`), read with libxml2's streaming pull parser.
/// Each `<image>` gives an entry (pdq, md5; sha1 is kept as metadata), keyed by
/// `ncmec:MEMBER:ID` so a later record replaces an earlier one; each `<deletedImage>` removes
/// one. Videos are skipped: Vigil matches still images.
package struct NCMECXMLReader: ImportReader {
    /// Owns the libxml2 reader: freed once, when the last copy of the import reader goes away.
    private final class Handle {
        let pointer: OpaquePointer
        /// The document, for a reader over memory: libxml2 reads it in place.
        let buffer: UnsafeMutableBufferPointer<CChar>?
        init(_ pointer: OpaquePointer, buffer: UnsafeMutableBufferPointer<CChar>? = nil) {
            self.pointer = pointer
            self.buffer = buffer
        }
        deinit {
            xmlFreeTextReader(pointer)
            buffer?.deallocate()
        }
    }

    private let handle: Handle
    private var reader: OpaquePointer { handle.pointer }
    private var finished = false
    private let addedBy: String
    private var recordNumber = 0
    private let totalBytes: Int?

    /// No network, and no error printed by libxml2 itself: a malformed document is this reader's
    /// error, in the import's words, not lines on the server's standard error among its JSON logs.
    static let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)

    /// libxml2 is initialised once before its first use from any thread (its documentation asks so).
    static let libxml: Void = xmlInitParser()

    init(url: URL, name: String, addedBy: String) throws {
        Self.libxml
        guard let reader = xmlReaderForFile(url.path, nil, Self.options) else {
            throw ImportError("cannot open \(name) as XML")
        }
        self.handle = Handle(reader)
        self.addedBy = addedBy
        totalBytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
    }

    /// A document in memory (a page of the Hash Sharing API).
    package init(bytes: [UInt8], addedBy: String) throws {
        Self.libxml
        let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: max(1, bytes.count))
        _ = buffer.initialize(from: bytes.lazy.map { CChar(bitPattern: $0) })
        guard let reader = xmlReaderForMemory(buffer.baseAddress, Int32(bytes.count), nil, nil, Self.options) else {
            buffer.deallocate()
            throw ImportError("cannot read the page as XML")
        }
        self.handle = Handle(reader, buffer: buffer)
        self.addedBy = addedBy
        totalBytes = bytes.count
    }

    package var progress: Double? {
        if finished { return 1 }
        guard let totalBytes, totalBytes > 0 else { return nil }
        return min(1, Double(xmlTextReaderByteConsumed(reader)) / Double(totalBytes))
    }

    /// One parsed record.
    private struct Record {
        var member = "", id = "", classification: String?
        var fingerprints: [String: String] = [:]
    }

    package mutating func next() throws -> ImportItem? {
        guard !finished else { return nil }
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { finished = true; return nil }
            guard status == 1 else { throw ImportError("malformed XML near record \(recordNumber + 1): \(lastError())") }
            let type = xmlTextReaderNodeType(reader)
            // NCMEC's files and pages declare no DTD: one that does would have its entities expanded
            // (work a list page need not cost), so it is refused.
            if type == Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue) || type == Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue) {
                throw ImportError("the document declares a DTD or uses its entities: not an NCMEC hash list")
            }
            guard type == Int32(XML_READER_TYPE_ELEMENT.rawValue) else { continue }
            let name = localName()
            guard name == "image" || name == "deletedImage" else { continue }
            recordNumber += 1
            let record = try readRecord(endingAt: name)
            guard !record.member.isEmpty, !record.id.isEmpty else {
                return .rejected(line: recordNumber, reason: "<\(name)> without a member id and an id")
            }
            let externalID = "ncmec:\(record.member):\(record.id)"
            if name == "deletedImage" { return .delete(line: recordNumber, externalID: externalID) }
            return item(record, externalID: externalID)
        }
    }

    private func item(_ record: Record, externalID: String) -> ImportItem {
        let signals: EntrySignals
        switch EntrySignals.parse(pdq: record.fingerprints["pdq"], md5: record.fingerprints["md5"]) {
        case let .success(parsed): signals = parsed
        case let .failure(error): return .rejected(line: recordNumber, reason: error.description)
        }
        guard !signals.isEmpty else {
            return .rejected(line: recordNumber, reason: "entry \(externalID) has no pdq or md5 fingerprint")
        }
        var extra: [String: String] = [:]
        if let classification = record.classification { extra["classification"] = classification }
        if let sha1 = record.fingerprints["sha1"] { extra["sha1"] = sha1.lowercased() }
        return .entry(line: recordNumber, NewEntry(
            signals: signals, metadata: EntryMetadata(externalID: externalID, source: "ncmec", extra: extra), addedBy: addedBy))
    }

    /// Reads the children of the current `<image>` / `<deletedImage>` element.
    private func readRecord(endingAt element: String) throws -> Record {
        var record = Record()
        if xmlTextReaderIsEmptyElement(reader) == 1 { return record }
        let depth = xmlTextReaderDepth(reader)
        while true {
            let status = xmlTextReaderRead(reader)
            guard status == 1 else { throw ImportError("malformed XML in record \(recordNumber): \(lastError())") }
            let type = xmlTextReaderNodeType(reader)
            if type == Int32(XML_READER_TYPE_END_ELEMENT.rawValue), xmlTextReaderDepth(reader) == depth { return record }
            guard type == Int32(XML_READER_TYPE_ELEMENT.rawValue) else { continue }
            switch localName() {
            case "member": record.member = attribute("id") ?? ""
            case "id": record.id = text()
            case "classification": record.classification = text()
            case "md5", "sha1", "pdq", "pdna": record.fingerprints[localName()] = text()
            default: break
            }
        }
    }

    private func localName() -> String {
        xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
    }

    private func attribute(_ name: String) -> String? {
        guard let value = xmlTextReaderGetAttribute(reader, name) else { return nil }
        defer { vigil_xml_free(value) }
        return String(cString: value)
    }

    private func text() -> String {
        guard let value = xmlTextReaderReadString(reader) else { return "" }
        defer { vigil_xml_free(value) }
        return String(cString: value).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func lastError() -> String {
        guard let error = xmlGetLastError(), let message = error.pointee.message else { return "parse error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
