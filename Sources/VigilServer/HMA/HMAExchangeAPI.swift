import JSONValues
import Banks
import Integrations

/// The exchange types HMA clients can configure here, in HMA's terms: `ncmec` (NCMEC's hash
/// sharing) and `vigil_remote` (another Vigil's bank). Each maps HMA's credential JSON and
/// exchange config onto a Vigil credential and a bank source.
struct HMAExchangeAPI {
    struct Field {
        var name: String
        var type: String
        var required: Bool
        var defaultValue: JSONValue = .null
        var help: String
        var choices: [String]? = nil

        var json: JSONValue {
            .object(["name": .string(name), "type": .string(type), "required": .bool(required), "default": defaultValue,
                     "help": .string(help), "choices": choices.map { .array($0.map(JSONValue.string)) } ?? .null])
        }
    }

    let name: String
    let kind: BankSource.Kind
    /// HMA's credential fields → the Vigil credential's fields.
    let credentialFields: [(hma: Field, vigil: String)]
    let configFields: [Field]

    /// The nickname of the Vigil credential that holds this API's credentials (HMA keeps one per API).
    var credentialNickname: String { "hma:\(name)" }

    static let interval = Field(name: "interval_seconds", type: "number", required: false,
                                defaultValue: .number(BankSource.defaultInterval), help: "Seconds between scheduled fetches (at least 60)")

    /// NCMEC's environments, as HMA names them (python-threatexchange's NCMECEnvironment values).
    static let ncmecEnvironments = [
        "https://report.cybertip.org/hashsharing", "https://report.cybertip.org/exploitative-hashsharing",
        "https://lesp.ncmec.org/csam-hashsharing", "https://hashsharing.ncmec.org/npo", "https://hashsharing.ncmec.org/exploitative",
        "https://hashsharing.ncmec.org/generative-ai-csam", "https://hashsharing.ncmec.org/generative-ai-exploitative",
        "https://exttest.cybertip.org/hashsharing", "https://exttest.cybertip.org/exploitative-hashsharing",
    ]

    static let all: [HMAExchangeAPI] = [
        HMAExchangeAPI(
            name: "ncmec", kind: .ncmec,
            credentialFields: [(Field(name: "user", type: "string", required: true, help: "NCMEC hash sharing API username."), "username"),
                               (Field(name: "password", type: "string", required: true, help: "NCMEC hash sharing API password."), "password")],
            configFields: [Field(name: "environment", type: "enum", required: true,
                                 help: "which database to connect to (or the base URL of a list of your own, such as a local mock)", choices: ncmecEnvironments),
                           interval]),
        HMAExchangeAPI(
            name: "vigil_remote", kind: .vigilRemote,
            credentialFields: [(Field(name: "endpoint", type: "string", required: true, help: "The other Vigil's base URL."), "endpoint"),
                               (Field(name: "api_key", type: "string", required: true, help: "An API key the other Vigil issued."), "api_key")],
            configFields: [Field(name: "remote_bank", type: "string", required: true, help: "The other Vigil's bank to follow"), interval]),
    ]

    static func named(_ name: String) -> HMAExchangeAPI? { all.first { $0.name == name } }

    /// `{config_schema: {fields}, credentials_schema: {fields}}`.
    var schema: JSONValue {
        .object(["config_schema": .object(["fields": .array(configFields.map(\.json))]),
                 "credentials_schema": .object(["fields": .array(credentialFields.map(\.hma.json))])])
    }

    /// A bank source's config as HMA shows an exchange: name, api, enabled and the config fields.
    func config(bank: String, source: BankSource) -> JSONValue {
        var object: [String: JSONValue] = ["name": .string(bank), "api": .string(name), "enabled": .bool(source.enabled),
                                           "interval_seconds": .number(source.interval)]
        switch kind {
        case .ncmec: object["environment"] = source.options["endpoint"].map(JSONValue.string) ?? .null
        case .vigilRemote: object["remote_bank"] = source.options["bank"].map(JSONValue.string) ?? .null
        }
        return .object(object)
    }

    /// The source options an exchange's `api_json` asks for; an error names the field.
    func options(from json: [String: JSONValue]) throws -> [String: String] {
        switch kind {
        case .ncmec:
            guard let environment = json["environment"]?.string else { throw APIError.badRequest("Failed to parse `api_json` - environment is required") }
            // One of NCMEC's environments, or a base URL of the operator's own (a local mock).
            guard Self.ncmecEnvironments.contains(environment) || environment.hasPrefix("https://") || environment.hasPrefix("http://") else {
                throw APIError.badRequest("Failed to parse `api_json` - environment must be one of \(Self.ncmecEnvironments.joined(separator: ", ")), or a base URL")
            }
            return ["endpoint": environment]
        case .vigilRemote:
            guard let remote = json["remote_bank"]?.string, !remote.isEmpty else {
                throw APIError.badRequest("Failed to parse `api_json` - remote_bank is required")
            }
            return ["bank": remote]
        }
    }
}
