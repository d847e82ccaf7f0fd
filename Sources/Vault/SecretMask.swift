/// How a stored secret is shown: never itself, only that it is set and its last characters, so an
/// operator can tell two keys apart.
public enum SecretMask {
    /// The mask of the secret stored in `field`: a password (a person's choice, maybe used
    /// elsewhere) shows nothing of itself; a generated key shows its last four characters.
    public static func mask(_ secret: String, field: String) -> String {
        field == "password" || field.hasSuffix("_password") ? "••••" : mask(secret)
    }

    public static func mask(_ secret: String) -> String {
        // Short secrets show nothing of themselves: four characters of an eight-character
        // secret are half of it.
        guard secret.count >= 12 else { return "••••" }
        return "••••" + secret.suffix(4)
    }
}
