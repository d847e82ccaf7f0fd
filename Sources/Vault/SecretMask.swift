import Foundation
/// How a stored secret is shown: never itself, only that it is set and its last characters, so an
/// operator can tell two keys apart.
public enum SecretMask {
    /// The mask of the secret stored in `field`: a password (a person's choice, maybe used
    /// elsewhere) shows nothing of itself; a generated key shows its last four characters.
    public static func mask(_ secret: String, field: String) -> String {
        if field == "password" || field.hasSuffix("_password") { return "••••" }
        // A secret URL (a chat webhook's, whose path is its token) shows its origin only.
        if field.hasSuffix("_url"), let origin = origin(of: secret) { return origin + "/••••" }
        return mask(secret)
    }

    /// `scheme://host[:port]` of an http(s) URL, nil for anything else.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    public static func mask(_ secret: String) -> String {
        // Short secrets show nothing of themselves: four characters of an eight-character
        // secret are half of it.
        guard secret.count >= 12 else { return "••••" }
        return "••••" + secret.suffix(4)
    }
}
