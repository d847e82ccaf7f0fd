import Basics
import Foundation

/// The one way a job's payload and result are written and read: JSON, keys sorted. A payload
/// that cannot be read fails its job for good, saying which kind it was and what it held.
public enum JobText {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = Timestamp.encodingStrategy
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A result that is a sentence: `{"outcome": "…"}`.
    public static func outcome(_ words: String) throws -> String { try encode(["outcome": words]) }

    /// Reads what `encode` wrote (a payload, a progress checkpoint, a result).
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = Timestamp.decodingStrategy
        return try decoder.decode(type, from: Data(text.utf8))
    }

    public static func payload<T: Decodable>(_ type: T.Type, of job: Job) throws -> T {
        do {
            return try decode(type, from: job.payload)
        } catch {
            throw JobFailure.permanent("the payload of this \(job.kind) job cannot be read: \(job.payload.prefix(100))")
        }
    }
}
