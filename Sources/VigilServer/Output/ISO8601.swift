import Banks
import Lookup
import ContentHashing
import Foundation
import PDQ

enum ISO8601 {
    static func string(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
