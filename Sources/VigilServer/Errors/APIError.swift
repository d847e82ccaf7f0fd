import Access
import Banks
import Cases
import Events
import Foundation
public import Hummingbird
import ImageCodecs
import Integrations
import Jobs
import Lookup
import NIOCore
import Reports
import SafeFetch
import Vault
import Workflows

/// An error as every route reports it: `{"error": {"code", "message"}}` with the right status.
public struct APIError: Error, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Seconds a client should wait before retrying (sent as Retry-After).
    public var retryAfter: Int?
    /// Every problem found, as a JSON array (a workflow's validation issues, each with its step
    /// and field), sent as `error.issues`.
    public var issuesJSON: String?
    /// The current state of what a conflicting change was refused on (a case two reviewers
    /// decided at once), sent as `error.current`, so the loser sees what won.
    public var currentJSON: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    static func badRequest(_ message: String, code: String = "invalid_request") -> APIError { APIError(.badRequest, code, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static let unauthorized = APIError(.unauthorized, "unauthorized",
                                       "an API key is required: send Authorization: Bearer <key> (or Ocp-Apim-Subscription-Key)")
    static let invalidKey = APIError(.unauthorized, "invalid_api_key", "the API key is not valid or was revoked")
    static let indexLoading = APIError(.serviceUnavailable, "index_loading", "the match index is still loading; retry shortly", retryAfter: 5)

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "body_too_large", "the request body is larger than the limit of \(ByteCount.text(limit))")
    }

    /// The error a domain or library failure becomes.
    static func from(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError:
            return error
        case let error as LookupError:
            switch error {
            case .notReady: return indexLoading
            case let .busy(seconds): return APIError(.serviceUnavailable, "busy", error.description, retryAfter: seconds)
            case .shuttingDown: return APIError(.serviceUnavailable, "shutting_down", error.description, retryAfter: 5)
            case .invalid: return APIError(.badRequest, "invalid_threshold", error.description)
            case .unknownBank: return APIError(.notFound, "not_found", error.description)
            case .unrecorded: return APIError(.serviceUnavailable, "match_not_recorded", error.description, retryAfter: 1)
            }
        case let error as JobError:
            switch error {
            case .notFound: return APIError(.notFound, "not_found", error.description)
            default: return nil
            }
        case let error as BankError:
            switch error {
            case .invalid(let message): return APIError(.badRequest, "invalid_request", message)
            case .notFound: return APIError(.notFound, "not_found", error.description)
            case .alreadyExists: return APIError(.conflict, "already_exists", error.description)
            case .inUse: return APIError(.conflict, "in_use", error.description)
            case .beingDeleted: return APIError(.conflict, "bank_being_deleted", error.description)
            case .storage, .checkpointRefused: return nil
            }
        case let error as AccessError:
            switch error {
            case .invalid(let message): return APIError(.badRequest, "invalid_request", message)
            case .notFound: return APIError(.notFound, "not_found", error.description)
            case .lastAdmin: return APIError(.conflict, "last_admin_key", error.description)
            case .lastAdminUser: return APIError(.conflict, "last_admin_user", error.description)
            }
        case let error as CredentialService.Failure:
            switch error {
            case .unknownIntegration, .notFound: return APIError(.notFound, "not_found", error.description)
            case .invalid, .invalidValues: return APIError(.badRequest, "invalid_credential", error.description)
            case .inUse: return APIError(.conflict, "in_use", error.description)
            case .needsAdmin: return APIError(.forbidden, "forbidden", error.description)
            case .refused: return APIError(.unprocessableContent, "destination_refused", error.description)
            case .nicknameTaken: return APIError(.conflict, "nickname_taken", error.description)
            }
        case let error as VaultError:
            // Never names or shows a secret; the operator reads the server's log for the rest.
            return APIError(.internalServerError, "vault", error.description)
        case let error as ImageDecodingError:
            switch error {
            case .tooManyBytes, .tooManyPixels: return APIError(.contentTooLarge, error.code, error.description)
            case .memoryBusy: return APIError(.serviceUnavailable, error.code, error.description, retryAfter: 1)
            case .unsupportedFormat, .videoNotSupported, .empty:
                return APIError(.unsupportedMediaType, error.code, error.description)
            default: return APIError(.unprocessableContent, error.code, error.description)
            }
        case let error as FetchError:
            switch error {
            case .tooLarge: return APIError(.contentTooLarge, error.code, error.description)
            case .timedOut: return APIError(.gatewayTimeout, error.code, error.description)
            case .connection, .httpStatus, .resolution: return APIError(.badGateway, error.code, error.description)
            case .notAnImage: return APIError(.unsupportedMediaType, error.code, error.description)
            default: return APIError(.badRequest, error.code, error.description)
            }
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, "not_found", error.body ?? "no such route")
            case .contentTooLarge: return APIError(.contentTooLarge, "body_too_large", error.body ?? "the request body is too large")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", error.body ?? "method not allowed on this route")
            default: return APIError(error.status, "http_\(error.status.code)", error.body ?? error.status.reasonPhrase)
            }
        case let error as WorkflowError:
            switch error {
            case .notFound, .runNotFound, .versionNotFound: return APIError(.notFound, "not_found", error.description)
            case .duplicateName: return APIError(.conflict, "already_exists", error.description)
            case let .invalid(issues):
                var failure = APIError(.unprocessableContent, "invalid_workflow", error.description)
                failure.issuesJSON = try? JSONText.encode(issues)
                return failure
            case .invalidInput: return APIError(.badRequest, "invalid_input", error.description)
            case .notPublished: return APIError(.conflict, "not_published", error.description)
            case .idempotencyConflict: return APIError(.unprocessableContent, "idempotency_key_reused", error.description)
            case .conflict: return APIError(.conflict, "conflict", error.description)
            }
        case let error as ReportError:
            switch error {
            case .notFound: return APIError(.notFound, "not_found", error.description)
            case .invalid: return APIError(.badRequest, "invalid_request", error.description)
            case .incomplete: return APIError(.unprocessableContent, "report_incomplete", error.description)
            case .refused: return APIError(.conflict, "refused", error.description)
            case .needsSecondPerson: return APIError(.forbidden, "second_approver_required", error.description)
            case let .conflict(_, current):
                var failure = APIError(.conflict, "conflict", error.description)
                failure.currentJSON = try? JSONText.encode(ReportJSON(current))
                return failure
            }
        case let error as CaseError:
            switch error {
            case .notFound: return APIError(.notFound, "not_found", error.description)
            case .invalid: return APIError(.badRequest, "invalid_request", error.description)
            case let .conflict(_, current):
                var failure = APIError(.conflict, "conflict", error.description)
                failure.currentJSON = try? JSONText.encode(CaseJSON(current))
                return failure
            case let .accountConflict(_, current):
                var failure = APIError(.conflict, "conflict", error.description)
                failure.currentJSON = try? JSONText.encode(AccountJSON(current))
                return failure
            case let .exposureLimit(_, refusedBy: use):
                let wait = use.easesAt.map { max(1, Int($0.timeIntervalSinceNow.rounded(.up))) }
                return APIError(.tooManyRequests, "exposure_limit", error.description, retryAfter: wait)
            }
        case let error as WebhookError:
            switch error {
            case .notFound: return APIError(.notFound, "not_found", error.description)
            case .invalid: return APIError(.badRequest, "invalid_request", error.description)
            }
        case let error as ImportError:
            return APIError(.badRequest, "invalid_import", error.description)
        case is DecodingError:
            return APIError(.badRequest, "malformed_json", JSONInput.describe(error))
        default:
            return nil
        }
    }
}
