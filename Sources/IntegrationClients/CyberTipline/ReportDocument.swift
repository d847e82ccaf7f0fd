public import Foundation
public import Reports

/// The `<report>` and `<fileDetails>` documents of a report, in the XSD's order
/// (../shared/reference/cybertipline-report.xsd; ncmec.md §1.4-§1.8).
public enum ReportDocument {
    static let rootAttributes = [("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                                 ("xsi:noNamespaceSchemaLocation", "https://report.cybertip.org/ispws/xsd")]

    /// The body of `POST /submit`. Times that must be in the past are clamped to a second
    /// before `now`, which absorbs clock skew.
    public static func report(_ content: ReportContent, now: Date) -> String {
        let past = { (date: Date) in XMLWriter.dateTime(min(date, now.addingTimeInterval(-1))) }
        var xml = XMLWriter()
        xml.element("report", rootAttributes) { xml in
            xml.element("incidentSummary") { xml in
                xml.leaf("incidentType", content.incidentType.rawValue)
                xml.leaf("platform", content.platform.map { String($0.prefix(256)) })
                xml.leaf("escalateToHighPriority", content.escalateToHighPriority.map { String($0.prefix(3000)) })
                if !content.annotations.isEmpty {
                    xml.element("reportAnnotations") { xml in
                        for annotation in ReportAnnotation.allCases where content.annotations.contains(annotation) { xml.flag(annotation.rawValue) }
                    }
                }
                xml.leaf("incidentDateTime", past(content.incidentAt))
                xml.leaf("incidentDateTimeDescription", content.incidentDescription.map { String($0.prefix(3000)) })
            }
            if !content.webPageURLs.isEmpty {
                xml.element("internetDetails") { xml in
                    xml.element("webPageIncident") { xml in
                        for url in content.webPageURLs { xml.leaf("url", url) }
                    }
                }
            }
            xml.element("reporter") { xml in
                let reporter = content.reporter
                xml.element("reportingPerson") { xml in
                    person(&xml, firstName: reporter.firstName, lastName: reporter.lastName, phone: reporter.phone, email: reporter.email ?? "")
                }
                if let contact = reporter.contact {
                    xml.element("contactPerson") { xml in
                        person(&xml, firstName: contact.firstName, lastName: contact.lastName, phone: contact.phone, email: contact.email)
                    }
                }
                xml.leaf("termsOfService", reporter.termsOfServiceURL)
                xml.leaf("legalURL", reporter.legalURL)
            }
            for reported in content.reportedPeople {
                xml.element("personOrUserReported") { xml in
                    if let email = reported.email {
                        xml.element("personOrUserReportedPerson") { xml in xml.leaf("email", email) }
                    }
                    xml.leaf("espIdentifier", String(reported.espIdentifier.prefix(255)))
                    xml.leaf("espService", reported.espService.map { String($0.prefix(100)) })
                    xml.leaf("screenName", reported.screenName.map { String($0.prefix(256)) })
                    for event in reported.ipCaptureEvents { ipCaptureEvent(&xml, event, past: past) }
                    if reported.accountDisabled { xml.leaf("accountPermanentlyDisabled", true) }
                }
            }
            xml.leaf("additionalInfo", content.additionalInfo)
        }
        return xml.text
    }

    /// The body of `POST /fileinfo` for one uploaded file.
    public static func fileDetails(_ file: ReportFile, reportID: Int64, fileID: String, now: Date) -> String {
        var xml = XMLWriter()
        xml.element("fileDetails", rootAttributes) { xml in
            xml.leaf("reportId", String(reportID))
            xml.leaf("fileId", fileID)
            xml.leaf("originalFileName", file.originalFileName.map { String($0.prefix(2056)) })
            xml.leaf("uploadedToEspTimestamp", file.uploadedAt.map { XMLWriter.dateTime(min($0, now.addingTimeInterval(-1))) })
            xml.leaf("locationOfFile", file.locationOfFile)
            xml.leaf("fileViewedByEsp", file.viewedByEsp)
            xml.leaf("publiclyAvailable", file.publiclyAvailable)
            xml.leaf("fileRelevance", "Reported")
            if !file.annotations.isEmpty {
                xml.element("fileAnnotations") { xml in
                    for annotation in FileAnnotation.allCases where file.annotations.contains(annotation) { xml.flag(annotation.rawValue) }
                }
            }
            xml.leaf("industryClassification", file.classification?.rawValue)
            xml.leaf("originalFileHash", file.md5, [("hashType", "MD5")])
            xml.leaf("originalFileHash", file.sha256, [("hashType", "SHA256")])
            if let pdq = file.pdq {
                xml.element("details", [("type", "HASH")]) { xml in
                    xml.element("nameValuePair") { xml in
                        xml.leaf("name", "PDQ")
                        xml.leaf("value", pdq)
                    }
                }
            }
            xml.leaf("additionalInfo", file.additionalInfo)
        }
        return xml.text
    }

    static func person(_ xml: inout XMLWriter, firstName: String?, lastName: String?, phone: String?, email: String?) {
        xml.leaf("firstName", firstName.map { String($0.prefix(100)) })
        xml.leaf("lastName", lastName.map { String($0.prefix(100)) })
        xml.leaf("phone", phone.map { String($0.prefix(50)) })
        xml.leaf("email", email)
    }

    static func ipCaptureEvent(_ xml: inout XMLWriter, _ event: IPCaptureEvent, past: (Date) -> String) {
        xml.element("ipCaptureEvent") { xml in
            xml.leaf("ipAddress", event.ipAddress)
            xml.leaf("eventName", event.eventName?.rawValue)
            xml.leaf("dateTime", event.at.map(past))
            xml.leaf("port", event.port.map(String.init))
        }
    }
}

/// The CyberTipline's XML as the reports domain asks for it.
public struct CyberTiplineXML: CyberTiplineDocuments {
    public init() {}

    public func report(_ content: ReportContent, now: Date) -> String { ReportDocument.report(content, now: now) }

    public func fileDetails(_ file: ReportFile, reportID: Int64, fileID: String, now: Date) -> String {
        ReportDocument.fileDetails(file, reportID: reportID, fileID: fileID, now: now)
    }
}
