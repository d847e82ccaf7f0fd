public import AsyncHTTPClient
public import Integrations

/// The probe of every integration that takes a credential, for `CredentialService`.
public enum CredentialProbes {
    /// - Parameters:
    ///   - photoDNA: the process's PhotoDNA client (its pacing is shared with every other use).
    ///   - benignImage: what PhotoDNA is asked to match: a benign picture of at least 160×160.
    public static func all(http: HTTPClient = IntegrationHTTP.client, photoDNA: PhotoDNAClient, benignImage: [UInt8]) -> [any CredentialProbe] {
        [PhotoDNAProbe(client: photoDNA, image: benignImage), NCMECProbe(.cyberTipline, http: http), NCMECProbe(.hashSharing, http: http),
         VigilRemoteProbe(http: http), WebhookProbe(http: http)]
    }
}
