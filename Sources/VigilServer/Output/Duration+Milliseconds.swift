public import Access
public import Banks
public import Lookup
public import Jobs
import ContentHashing
public import Foundation
import ImageCodecs
public import Logging
import PDQ
public import SafeFetch
import Synchronization

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}
