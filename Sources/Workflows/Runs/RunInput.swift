import Foundation
import JSONValues

/// Checks an API trigger's parameters: every required one given, none unknown, each of its
/// declared type. The message names the parameter.
enum RunInput {
    /// The input checked against the parameters, and the bytes of each `image` parameter (which
    /// the caller keeps in `RunImages` and replaces in the input by `summary`).
    static func check(_ input: [String: JSONValue], against parameters: [Parameter]) throws(WorkflowError)
        -> (input: [String: JSONValue], images: [String: [UInt8]]) {
        let declared = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if let unknown = input.keys.sorted().first(where: { declared[$0] == nil }) {
            let names = parameters.map(\.name).joined(separator: ", ")
            throw .invalidInput("unknown parameter \(unknown) (this workflow takes: \(names.isEmpty ? "none" : names))")
        }
        var payload: [String: JSONValue] = [:]
        var images: [String: [UInt8]] = [:]
        for parameter in parameters {
            guard let value = input[parameter.name], value != .null else {
                if parameter.required == true { throw .invalidInput("parameter \(parameter.name) is required") }
                continue
            }
            if parameter.type == "image" {
                guard case let .string(text) = value, let bytes = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !bytes.isEmpty else {
                    throw .invalidInput("parameter \(parameter.name) must be an image in base64")
                }
                payload[parameter.name] = value
                images[parameter.name] = [UInt8](bytes)
                continue
            }
            if case let .string(text) = value, ["text", "url"].contains(parameter.type), text.utf8.count > parameter.textLimit {
                throw .invalidInput("parameter \(parameter.name) is \(text.utf8.count) bytes, more than its max_length of \(parameter.textLimit)")
            }
            // An object or a list is kept with the run in the clear: bounded like a text, so an
            // image cannot ride in one past the image parameters (kept encrypted with the evidence).
            if ["object", "list"].contains(parameter.type), fits(value, parameter.type), value.text.utf8.count > parameter.textLimit {
                throw .invalidInput("parameter \(parameter.name) is \(value.text.utf8.count) bytes of JSON, more than its max_length of "
                                    + "\(parameter.textLimit); an image goes in an image parameter")
            }
            guard fits(value, parameter.type) else {
                throw .invalidInput("parameter \(parameter.name) must be \(parameter.type == "url" ? "an http or https URL" : parameter.type), got \(value.text.prefix(100))")
            }
            payload[parameter.name] = value
        }
        return (payload, images)
    }

    /// What a run's input keeps of an image: its SHA-256 and size.
    static func summary(sha256: String, size: Int) -> JSONValue {
        .object(["sha256": .string(sha256), "bytes": .number(Double(size))])
    }

    /// The SHA-256 of each image the run was given.
    static func imageSHA256s(_ input: JSONValue, parameters: [Parameter]) -> Set<String> {
        Set(parameters.filter { $0.type == "image" }.compactMap { input.object?[$0.name]?.object?["sha256"]?.string })
    }

    /// The input a run's steps see: each `image` parameter's bytes read back, as base64.
    static func hydrate(_ input: JSONValue, parameters: [Parameter], images: any RunImages) async throws -> JSONValue {
        guard case var .object(fields) = input else { return input }
        for parameter in parameters where parameter.type == "image" {
            guard case let .object(kept)? = fields[parameter.name], let sha256 = kept["sha256"]?.string else { continue }
            let bytes: [UInt8]
            do { bytes = try await images.bytes(sha256) } catch {
                throw ActionFailure("the image of parameter \(parameter.name) (SHA-256 \(sha256)) is no longer kept: start a new run with it")
            }
            fields[parameter.name] = .string(Data(bytes).base64EncodedString())
        }
        return .object(fields)
    }

    static func fits(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("text", .string), ("boolean", .bool), ("number", .number), ("object", .object), ("list", .array): true
        case let ("integer", .number(number)): number == number.rounded()
        case let ("url", .string(text)): InputCheck.literalProblem(value, for: .url) == nil && !text.isEmpty
        default: false
        }
    }
}
