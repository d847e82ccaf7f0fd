import Banks
import Lookup
import ContentHashing
import Foundation
import PDQ

enum ISO8601 {
    static func string(_ date: Date) -> String {
        Timestamp.iso8601(date)
    }
}
