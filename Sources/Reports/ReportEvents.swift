import Events

/// The event types of reports: `report.submitted` at the finish (the receipt stored with it),
/// the others as the flow moves.
public enum ReportEvents {
    public static let drafted = EventTypes.reportDrafted
    public static let approved = EventTypes.reportApproved
    public static let failed = EventTypes.reportFailed
    public static let retracted = EventTypes.reportRetracted
    public static let submitted = EventTypes.reportSubmitted
}
