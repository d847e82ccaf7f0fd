import ContentHashing
import SafeFetch
import Foundation
import Hummingbird
import Lookup

/// Try an image: upload one or give its URL, and see its signals and every match, with the
/// answer exactly as `POST /v1/match` gives it. The image itself is shown only as the blurred
/// greyscale preview.
struct TryPage {
    let kit: PageKit
    let hashingPool: ImageHashingPool
    let fetcher: SafeURLFetcher
    let settings: ServerSettings
    let native: NativeRoutes

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("try") { request, context in
            kit.page("try", title: "Try an image", section: "try", data: [:], request, context)
        }
        pages.post("try") { request, context in
            let start = ContinuousClock.now
            let body = try await request.collectBody(limit: settings.maxBodyBytes)
            guard case let .multipart(contentType) = BodyKind(request) else { return form(request, context, problems: ["image": "Send the form."]) }
            let parts = try MultipartForm.parse(body, contentType: contentType)
            let url = parts.first { $0.name == "url" }?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let upload = parts.first { $0.name == "image" && !($0.filename ?? "").isEmpty && $0.body.readableBytes > 0 }
            var input = NativeRoutes.Input()
            input.enhanced = parts.contains { $0.name == "enhanced" }
            if let upload {
                input.image = upload.bytes
            } else if !url.isEmpty {
                do {
                    let fetchStart = ContinuousClock.now
                    input.image = try await fetcher.fetch(url).bytes
                    input.fetchTime = fetchStart.duration(to: .now)
                    input.source = "url"
                } catch {
                    return form(request, context, url: url, problems: ["url": "The image could not be fetched: \(APIError.from(error)?.message ?? String(describing: error))"])
                }
            } else {
                return form(request, context, problems: ["image": "Choose an image or give its URL."])
            }
            let answer: MatchResponse
            do {
                input.origin.caller = context.actor
                answer = try await native.answer(input, since: start)
            } catch let error as APIError where error.status == .badRequest || error.status == .unprocessableContent || error.status == .unsupportedMediaType {
                return form(request, context, url: url, problems: ["image": error.message])
            } catch let error as LookupError {
                if case .busy = error { throw error }
                return form(request, context, url: url, problems: ["image": error.description])
            }
            let encoder = JSONText.encoder()
            encoder.outputFormatting.insert(.prettyPrinted)
            let json = String(decoding: try encoder.encode(answer), as: UTF8.self)
            var data: [String: Any] = [
                "result": true, "isMatch": answer.isMatch, "json": json, "url": url,
                "signals": ["pdq": answer.signals.pdq ?? "", "quality": answer.signals.pdqQuality.map(String.init) ?? "",
                            "md5": answer.signals.md5 ?? "", "sha256": answer.signals.sha256 ?? ""],
                "matches": answer.matches.map(Self.hit), "allowed": answer.allowedBy.map(Self.hit), "suppressed": answer.suppressed.map(Self.hit),
                "belowGate": answer.pdqBelowQualityGate,
            ]
            if let image = input.image, let preview = try? await PoolPreviews(pool: hashingPool).preview(of: image) {
                data["preview"] = "data:image/jpeg;base64,\(Data(preview).base64EncodedString())"
            }
            return kit.page("try", title: "Try an image", section: "try", data: data, request, context)
        }
    }

    static func hit(_ hit: HitJSON) -> [String: Any] {
        ["bank": hit.bank, "kind": hit.bankKind, "entry": hit.entryID, "distance": hit.distance, "signal": hit.signal,
         "labels": hit.labels.joined(separator: ", "), "variant": hit.variant ?? "",
         "by": hit.suppressedBy.map { "suppressed by \($0.bank) entry \($0.entryID) (distance \($0.distance))" } ?? ""]
    }

    func form(_ request: Request, _ context: VigilRequestContext, url: String = "", problems: [String: String]) -> Response {
        kit.page("try", title: "Try an image", section: "try", data: ["errors": problems, "url": url], status: .unprocessableContent, request, context)
    }
}
