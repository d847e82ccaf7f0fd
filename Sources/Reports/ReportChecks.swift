import Foundation

/// The field checks NCMEC's schema makes, made before anything is sent so a person sees the
/// problem at the draft and not as a 4100 from NCMEC.
enum ReportChecks {
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last else { return false }
        return !local.isEmpty && local.count <= 64 && domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".") && text.count <= 255
            && !text.contains(where: \.isWhitespace)
    }

    static func isWebURL(_ text: String) -> Bool {
        guard text.count <= 2083, let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host != nil else { return false }
        return scheme == "http" || scheme == "https"
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// Every problem of a report's content and files.
    static func problems(_ content: ReportContent, files: [ReportFile], now: Date) -> [String] {
        var problems: [String] = []
        // A little ahead is clock skew (the XML clamps it to a second ago); more is a mistake.
        if content.incidentAt > now.addingTimeInterval(300) { problems.append("incident_at is in the future") }
        if let text = content.escalateToHighPriority, text.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append("escalate_to_high_priority must be a reason or absent")
        }
        for url in content.webPageURLs where !isWebURL(url) { problems.append("web page \(url) is not an http(s) URL") }
        for (index, person) in content.reportedPeople.enumerated() {
            if person.espIdentifier.isEmpty || person.espIdentifier.count > 255 {
                problems.append("reported_people[\(index)].esp_identifier must be 1-255 characters")
            }
            if let email = person.email, !isEmail(email) { problems.append("reported_people[\(index)].email \(email) is not an email address") }
            for event in person.ipCaptureEvents where !isIPAddress(event.ipAddress) {
                problems.append("reported_people[\(index)]: \(event.ipAddress) is not an IP address")
            }
        }
        for (index, file) in files.enumerated() {
            if let url = file.locationOfFile, !isWebURL(url) { problems.append("files[\(index)].location_of_file is not an http(s) URL") }
        }
        return problems
    }
}
