import AsyncHTTPClient
public import SafeFetch
public import Integrations

/// The probe of every integration that takes a credential, for `CredentialService`.
public enum CredentialProbes {
    /// - Parameters:
    ///   - photoDNA: the process's PhotoDNA client (its pacing is shared with every other use).
    ///   - benignImage: what PhotoDNA is asked to match: a benign picture of at least 160×160.
    public static func all(gate: OutboundGate, photoDNA: PhotoDNAClient, benignImage: [UInt8]) -> [any CredentialProbe] {
        [PhotoDNAProbe(client: photoDNA, image: benignImage), NCMECProbe(.cyberTipline, gate: gate), NCMECProbe(.hashSharing, gate: gate),
         VigilRemoteProbe(gate: gate), WebhookProbe(gate: gate)] + Integrations.chatIntegrations.map { ChatProbe(integration: $0, gate: gate) }
    }
}
