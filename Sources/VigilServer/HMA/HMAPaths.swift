import Hummingbird
import Banks
import Lookup
import Jobs
import Access
import ImageCodecs
import SafeFetch
import NIOCore
import Foundation

enum HMAPaths {
    static func isHMA(_ path: String) -> Bool {
        path.hasPrefix("/h/") || path.hasPrefix("/m/") || path.hasPrefix("/c/")
    }
}
