/// What a CyberTipline answer means for the submission (ncmec.md §1.3, App. D.1). NCMEC calls
/// its code list non-exhaustive, so an unknown code stops and asks a person.
public enum ResponseCode {
    public enum Handling: Sendable, Equatable {
        case success
        /// A passing failure at NCMEC: try again after a backoff.
        case retry
        /// The content is refused: a person fixes the report.
        case fix
        /// The credential or the account cannot do it, or the code is unknown.
        case giveUp
        /// 5001, 5002: NCMEC no longer has the report (it expired): submit it afresh.
        case recreate
        case alreadyRetracted
        case alreadyFinished
    }

    public static func handling(of answer: CyberTiplineAnswer) -> Handling {
        guard let code = answer.code else {
            // No XML: the HTTP status is all there is (401 for a bad password).
            switch answer.httpStatus {
            case 401, 403: return .giveUp
            case 408, 429, 500...599: return .retry
            default: return .giveUp
            }
        }
        switch code {
        case 0: return .success
        case 1000, 1100, 1110, 1111, 1300: return .retry
        case 2000, 3000, 3100, 3300: return .giveUp
        case 4000, 4100, 4110, 4200: return .fix
        case 5001, 5002, 1210: return .recreate
        case 5101: return .alreadyRetracted
        case 5102: return .alreadyFinished
        default: return .giveUp
        }
    }

    /// NCMEC's meaning of a code, for messages.
    public static func meaning(_ code: Int) -> String {
        switch code {
        case 0: "Success"
        case 1000: "Server error"
        case 1100: "Save failed"
        case 1110: "Upload failed"
        case 1111: "File upload failed"
        case 1210: "Resource not found"
        case 1300: "Update failed"
        case 2000: "Authentication required"
        case 3000: "User is not authorized to perform this action"
        case 3100: "User does not have authorization to make submissions"
        case 3300: "User does not have authorization to make updates"
        case 4000: "Invalid request"
        case 4100: "Validation failed"
        case 4110: "Malformed XML submittal"
        case 4200: "Malformed file submittal"
        case 5001: "Report does not exist"
        case 5002: "File does not exist"
        case 5101: "Report already retracted"
        case 5102: "Report already finished"
        default: "a code Vigil does not know"
        }
    }
}
