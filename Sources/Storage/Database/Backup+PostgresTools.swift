import Foundation

/// What pg_dump and pg_restore are given: the URL without its password, and an environment of
/// their own.
extension DatabaseBackup {
    /// The URL and environment for pg_dump and pg_restore: the password in PGPASSWORD (never on
    /// a command line `ps` shows), TLS as strict as Vigil's own connection (postgres-kit's
    /// `require` verifies the certificate, libpq's does not: it becomes `verify-full`), and no
    /// other variable of this process (VIGIL_MASTER_KEY stays here).
    static func postgresTool(_ url: String, _ environment: [String: String]) -> (String, [String: String]) {
        var tools: [String: String] = [:]
        for name in ["PATH", "HOME", "LANG", "LC_ALL", "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY", "PGPASSFILE", "PGSERVICEFILE"] {
            if let value = environment[name] { tools[name] = value }
        }
        let (withoutPassword, password) = split(url)
        if let password { tools["PGPASSWORD"] = password }
        guard var parts = URLComponents(string: withoutPassword) else { return (withoutPassword, tools) }
        var mode: String?
        parts.queryItems = parts.queryItems?.filter { item in
            guard ["sslmode", "tlsmode"].contains(item.name.lowercased()) else { return true }
            mode = item.value?.lowercased()
            return false
        }
        if parts.queryItems?.isEmpty == true { parts.queryItems = nil }
        switch mode {
        case "require", "verify-full", "verify-ca": tools["PGSSLMODE"] = "verify-full"
        case "disable": tools["PGSSLMODE"] = "disable"
        case "prefer", "allow": tools["PGSSLMODE"] = "prefer"
        default: break
        }
        return (parts.string ?? withoutPassword, tools)
    }

    /// The URL without its password (which goes to the tools in PGPASSWORD, never on a command
    /// line that `ps` shows), and the password.
    static func split(_ url: String) -> (String, String?) {
        guard var parts = URLComponents(string: url), let password = parts.password else { return (url, nil) }
        parts.password = nil
        // `password` is already decoded (URLComponents); decoding it again would change a `%41` in it.
        return (parts.string ?? url, password)
    }
}
