import CLibXML2
public import Foundation

/// Validates XML documents against an XSD with libxml2 (the engine of `xmllint --schema`).
/// The parsed schema is shared; each validation has its own context, made under a lock.
public final class SchemaValidator: Sendable {
    // Parsed once and only read afterwards; validations are serialised by `lock`.
    private nonisolated(unsafe) let schema: OpaquePointer
    private let lock = NSLock()

    /// NCMEC's CyberTipline schema, as pinned in this repository.
    public static func cyberTipline() throws -> SchemaValidator {
        guard let url = Bundle.module.url(forResource: "cybertipline-report", withExtension: "xsd") else {
            throw ValidationFailure(problems: ["the CyberTipline XSD is missing from the NCMECMock bundle"])
        }
        return try SchemaValidator(contentsOf: url)
    }

    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        let parsed: OpaquePointer? = data.withUnsafeBytes { raw in
            guard let context = xmlSchemaNewMemParserCtxt(raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count)) else { return nil }
            defer { xmlSchemaFreeParserCtxt(context) }
            return xmlSchemaParse(context)
        }
        guard let parsed else { throw ValidationFailure(problems: ["\(url.lastPathComponent) is not a valid XML schema"]) }
        schema = parsed
    }

    deinit { xmlSchemaFree(schema) }

    public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
        public let problems: [String]
        /// The document is not XML at all (NCMEC's 4110), rather than XML the schema refuses (4100).
        public var malformed = false
        public var description: String { problems.joined(separator: "; ") }
    }

    /// Throws with libxml2's messages when the document is not well-formed or not valid; returns
    /// the root element's name.
    @discardableResult
    public func validate(_ document: Data) throws -> String {
        final class Messages { var lines: [String] = [] }
        let messages = Messages()
        lock.lock()
        defer { lock.unlock() }
        do {
            let parsed: UnsafeMutablePointer<xmlDoc>? = document.withUnsafeBytes { raw in
                xmlReadMemory(raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count), "document.xml", "UTF-8",
                              Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue))
            }
            guard let parsed else { throw ValidationFailure(problems: ["the document is not well-formed XML"], malformed: true) }
            defer { xmlFreeDoc(parsed) }
            guard let context = xmlSchemaNewValidCtxt(schema) else { throw ValidationFailure(problems: ["libxml2 could not make a validation context"]) }
            defer { xmlSchemaFreeValidCtxt(context) }
            let box = Unmanaged.passUnretained(messages).toOpaque()
            xmlSchemaSetValidStructuredErrors(context, { userData, error in
                guard let userData, let error, let message = error.pointee.message else { return }
                let messages = Unmanaged<Messages>.fromOpaque(userData).takeUnretainedValue()
                let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
                messages.lines.append("line \(error.pointee.line): \(text)")
            }, box)
            let result = xmlSchemaValidateDoc(context, parsed)
            let root = xmlDocGetRootElement(parsed).flatMap { $0.pointee.name.map { String(cString: $0) } } ?? ""
            guard result == 0 else { throw ValidationFailure(problems: messages.lines.isEmpty ? ["invalid (code \(result))"] : messages.lines) }
            return root
        }
    }
}
