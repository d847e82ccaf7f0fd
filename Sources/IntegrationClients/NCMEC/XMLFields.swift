import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The text of each element of a small XML answer (NCMEC's `<reportResponse>`, `<status>`), by
/// element name, first occurrence; and how many times each element occurs.
struct XMLFields {
    private(set) var texts: [String: String] = [:]
    private(set) var counts: [String: Int] = [:]
    /// Every text of each element, in document order.
    private(set) var everyText: [String: [String]] = [:]
    /// The attributes of each occurrence of each element, in document order.
    private(set) var everyAttributes: [String: [[String: String]]] = [:]
    let root: String?

    /// Nil for a document that is not well-formed, or not UTF-8: Foundation's XMLParser on Linux
    /// stops the process on an element or attribute name that is not valid UTF-8 (found by the
    /// fuzz tests: one byte from a list or from the CyberTipline was enough), so such a document
    /// never reaches it.
    init?(_ data: Data) {
        guard String(validating: data, as: UTF8.self) != nil else { return nil }
        let collector = Collector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else { return nil }
        texts = collector.texts
        counts = collector.counts
        everyText = collector.everyText
        everyAttributes = collector.everyAttributes
        root = collector.root
    }

    subscript(name: String) -> String? { texts[name] }

    func all(_ name: String) -> [String] { everyText[name] ?? [] }

    private final class Collector: NSObject, XMLParserDelegate {
        var texts: [String: String] = [:]
        var counts: [String: Int] = [:]
        var everyText: [String: [String]] = [:]
        var everyAttributes: [String: [[String: String]]] = [:]
        var root: String?
        var stack: [(name: String, text: String)] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if root == nil { root = name }
            counts[name, default: 0] += 1
            everyAttributes[name, default: []].append(attributes)
            stack.append((name, ""))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard let element = stack.popLast() else { return }
            let text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if texts[element.name] == nil, !text.isEmpty { texts[element.name] = text }
            if !text.isEmpty { everyText[element.name, default: []].append(text) }
        }
    }
}
