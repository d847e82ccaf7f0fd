import IntegrationClients
import Integrations
import SafeFetch
import VigilServer

extension CredentialProbes {
    /// The probes `vigil serve` and `vigil credentials test` use: one PhotoDNA client for the
    /// process (its pacing shared by every caller), and as the benign test image a demo-style
    /// picture that no demo bank holds (so a credential for another Vigil gets no match either).
    static func standard(fetcher: SafeURLFetcher, photoDNA: PhotoDNAClient? = nil) throws -> [any CredentialProbe] {
        all(gate: fetcher.gate, photoDNA: photoDNA ?? PhotoDNAClient(fetcher: fetcher), benignImage: try DemoImages.jpeg(DemoImages.count))
    }
}
