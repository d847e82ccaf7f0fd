import Integrations

/// An integration of the catalogue as the API shows it (`GET /v1/integrations`).
struct IntegrationJSON: Encodable {
    let integration: Integration

    enum CodingKeys: String, CodingKey {
        case id, name, summary, credentialFields = "credential_fields", operations, serviceOrigins = "service_origins"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(integration.id, forKey: .id)
        try c.encode(integration.name, forKey: .name)
        try c.encode(integration.summary, forKey: .summary)
        try c.encode(integration.credentialFields.map(FieldJSON.init), forKey: .credentialFields)
        try c.encode(integration.operations.map(OperationJSON.init), forKey: .operations)
        try c.encode(integration.serviceOrigins, forKey: .serviceOrigins)
    }
}

struct OperationJSON: Encodable {
    let operation: Integration.Operation

    enum CodingKeys: String, CodingKey { case id, summary, inputs, outputs }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(operation.id, forKey: .id)
        try c.encode(operation.summary, forKey: .summary)
        try c.encode(operation.inputs.map(FieldJSON.init), forKey: .inputs)
        try c.encode(operation.outputs.map(FieldJSON.init), forKey: .outputs)
    }
}

/// A declared field (a credential's, or an operation's or action's input or output).
struct FieldJSON: Encodable {
    let field: Field

    enum CodingKeys: String, CodingKey { case name, kind, summary, required, secret, defaultValue = "default", bindsSecrets = "binds_secrets" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(field.name, forKey: .name)
        try c.encode(KindJSON(kind: field.kind), forKey: .kind)
        try c.encode(field.summary, forKey: .summary)
        try c.encode(field.required, forKey: .required)
        try c.encode(field.secret, forKey: .secret)
        try c.encodeIfPresent(field.defaultValue, forKey: .defaultValue)
        try c.encode(field.bindsSecrets, forKey: .bindsSecrets)
    }

    struct KindJSON: Encodable {
        let kind: Field.Kind

        enum CodingKeys: String, CodingKey { case type, minimum, maximum, values, fields, items }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch kind {
            case .text: try c.encode("text", forKey: .type)
            case .url: try c.encode("url", forKey: .type)
            case let .integer(range):
                try c.encode("integer", forKey: .type)
                try c.encode(range.lowerBound, forKey: .minimum)
                try c.encode(range.upperBound, forKey: .maximum)
            case .number: try c.encode("number", forKey: .type)
            case .boolean: try c.encode("boolean", forKey: .type)
            case let .choice(values):
                try c.encode("choice", forKey: .type)
                try c.encode(values, forKey: .values)
            case .bytes: try c.encode("bytes", forKey: .type)
            case let .object(fields):
                try c.encode("object", forKey: .type)
                try c.encode(fields.map(FieldJSON.init), forKey: .fields)
            case let .list(items):
                try c.encode("list", forKey: .type)
                try c.encode(KindJSON(kind: items), forKey: .items)
            }
        }
    }
}
