import Foundation

/// The `OTEL_*` variables Vigil lets through to its trace exporter, checked before swift-otel
/// reads them: that library stops the process on some values (a gRPC protocol, the B3 or
/// baggage propagators, the Jaeger and X-Ray samplers), lets its own endpoint replace the one
/// Vigil checked, and logs a value it cannot parse (credentials among them). So every other
/// `OTEL_*` variable is refused by name, and a value is never repeated where it could be a
/// credential. Read only when tracing is on (`traces_endpoint`).
enum TraceEnvironment {
    typealias Invalid = SettingsReader.Invalid

    static func check(_ environment: [String: String]) throws {
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("OTEL_") {
            try check(name, value)
        }
        // swift-otel logs an argument its sampler does not take, with the value.
        if environment["OTEL_TRACES_SAMPLER_ARG"] != nil,
           !["traceidratio", "parentbased_traceidratio"].contains(environment["OTEL_TRACES_SAMPLER"] ?? "") {
            throw Invalid(description: "OTEL_TRACES_SAMPLER_ARG is set, but only OTEL_TRACES_SAMPLER=traceidratio or parentbased_traceidratio takes one")
        }
    }

    static let samplers: Set<String> = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
                                        "parentbased_traceidratio"]

    static func check(_ name: String, _ value: String) throws {
        func oneOf(_ allowed: [String]) throws {
            guard allowed.contains(value) else { throw Invalid(description: "\(name) must be one of \(allowed.joined(separator: ", ")), not \"\(value.prefix(60))\"") }
        }
        func number(_ range: ClosedRange<Double>) throws {
            guard let number = Double(value), range.contains(number) else {
                throw Invalid(description: "\(name) must be a number from \(range.lowerBound) to \(range.upperBound), not \"\(value.prefix(60))\"")
            }
        }
        // Whole numbers, as swift-otel reads them (it would log and drop "1.5").
        func whole(_ range: ClosedRange<Int>) throws {
            guard let number = Int(value), range.contains(number) else {
                throw Invalid(description: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(value.prefix(60))\"")
            }
        }
        switch name {
        case "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": try oneOf(["http/protobuf", "http/json"])
        case "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": try oneOf(["none", "gzip"])
        case "OTEL_PROPAGATORS": try oneOf(["tracecontext"])
        case "OTEL_TRACES_EXPORTER": try oneOf(["otlp"])
        case "OTEL_TRACES_SAMPLER": try oneOf(samplers.sorted())
        case "OTEL_TRACES_SAMPLER_ARG": try number(0...1)
        case "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT":
            try whole(1...3_600_000)  // milliseconds
        case "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE":
            try whole(1...100_000)  // the queue is allocated whole at start
        case "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS":
            guard pairsAreWellFormed(value, namesAreTokens: true) else {
                throw Invalid(description: "\(name) must be name=value pairs separated by commas, such as api-key=SECRET "
                    + "(its value is not repeated here: it holds credentials)")
            }
        case "OTEL_RESOURCE_ATTRIBUTES":
            guard pairsAreWellFormed(value) else {
                throw Invalid(description: "OTEL_RESOURCE_ATTRIBUTES must be name=value pairs separated by commas, such as deployment.environment=production")
            }
        case "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
             "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY",
             "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY":
            break
        case "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":
            throw Invalid(description: "\(name) is set: name the collector with VIGIL_TRACES_ENDPOINT (traces_endpoint) alone, which Vigil checks")
        case "OTEL_SDK_DISABLED":
            throw Invalid(description: "OTEL_SDK_DISABLED is set: leave VIGIL_TRACES_ENDPOINT (traces_endpoint) unset to turn tracing off")
        case "OTEL_LOG_LEVEL":
            throw Invalid(description: "OTEL_LOG_LEVEL is set: the trace exporter logs at warning and above, with the server's other lines (VIGIL_LOG_LEVEL)")
        default:
            throw Invalid(description: "\(name) is not an OpenTelemetry setting Vigil supports (README, \"Traces\", lists them): remove it")
        }
    }

    /// Whether swift-otel parses `value` as `name=value` pairs: it splits the bytes on `,` (an
    /// empty piece is skipped), then each piece on its first `=`; a piece without a name and a
    /// value fails, and the whole value is then logged. This is as strict, or stricter: a piece
    /// of spaces, a name or value of spaces, a control character, or (for headers) a name that is
    /// not an HTTP token is refused here first.
    static func pairsAreWellFormed(_ value: String, namesAreTokens: Bool = false) -> Bool {
        let token = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".utf8)
        let pieces = value.utf8.split(separator: UInt8(ascii: ","))
        guard !pieces.isEmpty else { return false }
        func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            var bytes = bytes
            while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
            while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
            return bytes
        }
        return pieces.allSatisfy { piece in
            let bytes = ArraySlice(piece)
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }), let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return false }
            let name = trimmed(bytes[..<equals]), text = trimmed(bytes[(equals + 1)...])
            return !name.isEmpty && !text.isEmpty && (!namesAreTokens || name.allSatisfy(token.contains))
        }
    }
}
