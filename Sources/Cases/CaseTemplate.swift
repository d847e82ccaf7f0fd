/// The statuses a case moves through and the fields it must have. A template names which of
/// its statuses each decision leads to, so the decisions (confirm, false positive, escalate)
/// work on any template.
public struct CaseTemplate: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case initial, intermediate, final }

    public struct Status: Sendable, Equatable {
        public var name: String
        public var kind: Kind
        public init(_ name: String, _ kind: Kind) {
            self.name = name
            self.kind = kind
        }
    }

    public var name: String
    public var statuses: [Status]
    /// Fields of `Case.fields` a case must be opened with.
    public var requiredFields: [String]
    /// The status `confirm` resolves to (a final one).
    public var confirmedStatus: String
    /// The status `false_positive` resolves to (a final one).
    public var falsePositiveStatus: String
    /// The status `escalate` moves to (an intermediate one).
    public var escalatedStatus: String

    public init(name: String, statuses: [Status], requiredFields: [String] = [], confirmedStatus: String, falsePositiveStatus: String,
                escalatedStatus: String) {
        self.name = name
        self.statuses = statuses
        self.requiredFields = requiredFields
        self.confirmedStatus = confirmedStatus
        self.falsePositiveStatus = falsePositiveStatus
        self.escalatedStatus = escalatedStatus
    }

    /// open → in_review → escalated → resolved_confirmed | resolved_false_positive.
    public static let standard = CaseTemplate(
        name: "default",
        statuses: [Status("open", .initial), Status("in_review", .intermediate), Status("escalated", .intermediate),
                   Status("resolved_confirmed", .final), Status("resolved_false_positive", .final)],
        confirmedStatus: "resolved_confirmed", falsePositiveStatus: "resolved_false_positive", escalatedStatus: "escalated")

    /// The status a case moves to when a reviewer first opens it: the first intermediate status
    /// that is not the escalation (`in_review` in the standard template); nil when there is none.
    public var reviewStatus: String? { statuses.first { $0.kind == .intermediate && $0.name != escalatedStatus }?.name }

    public var initialStatus: String { statuses.first { $0.kind == .initial }?.name ?? statuses.first?.name ?? "open" }

    public func kind(of status: String) -> Kind? { statuses.first { $0.name == status }?.kind }

    /// Every problem with the template, worded for its author; empty when it can be used.
    public func problems() -> [String] {
        var problems: [String] = []
        if name.isEmpty || name.count > 64 || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            problems.append("name must be 1-64 letters, digits, '_' or '-'")
        }
        let names = statuses.map(\.name)
        if Set(names).count != names.count { problems.append("status names must be distinct") }
        if statuses.filter({ $0.kind == .initial }).count != 1 { problems.append("exactly one status must be initial") }
        if !statuses.contains(where: { $0.kind == .final }) { problems.append("at least one status must be final") }
        for name in names where name.isEmpty || name.count > 64 { problems.append("status \"\(name)\" must be 1-64 characters") }
        if kind(of: confirmedStatus) != .final { problems.append("confirmed_status \"\(confirmedStatus)\" must be a final status of the template") }
        if kind(of: falsePositiveStatus) != .final {
            problems.append("false_positive_status \"\(falsePositiveStatus)\" must be a final status of the template")
        }
        if kind(of: escalatedStatus) != .intermediate {
            problems.append("escalated_status \"\(escalatedStatus)\" must be an intermediate status of the template")
        }
        if Set(requiredFields).count != requiredFields.count { problems.append("required_fields must be distinct") }
        return problems
    }
}
