import ImageSignals
import Basics
package import Cases
import Crypto
import Foundation
import ImageCodecs
import PDQ
import Workflows

/// Run images kept with the evidence files: encrypted in the database every replica shares, and
/// purged by the preservation job once their time is up (see `EvidenceMediaService.keepForRun`).
package struct MediaRunImages: RunImages {
    let media: EvidenceMediaService

    package init(media: EvidenceMediaService) { self.media = media }

    package func keep(_ bytes: [UInt8]) async throws -> String {
        let format: ImageFormat
        do {
            format = try bytes.withUnsafeBytes { bytes throws(ImageDecodingError) in try ImageFormat.detect(bytes) }
        } catch {
            throw WorkflowError.invalidInput("an image parameter is not an image in a supported format (\(error))")
        }
        let sha256 = SHA256.hash(data: bytes).withUnsafeBytes { Hex.encode($0) }
        try await media.keepForRun(bytes, sha256: sha256, contentType: "image/\(format.rawValue)")
        return sha256
    }

    package func bytes(_ sha256: String) async throws -> [UInt8] { try await media.original(sha256) }
}
