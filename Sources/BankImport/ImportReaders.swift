public import Banks
public import ContentHashing
public import Foundation

/// Opens the reader for an import source.
public enum ImportReaders {
    /// A reader for `url` in `format`, or in the format its content shows when nil. Image files are
    /// hashed on `hashing`'s background lane, behind every lookup waiting for it.
    public static func open(
        _ url: URL, name: String? = nil, format: ImportFormat?, listHoldsSHA256: Bool = false, hashing: ImageHashingPool, addedBy: String
    ) throws -> any ImportReader {
        let name = name ?? url.lastPathComponent
        return switch try format ?? ImportFormatDetection.detect(url) {
        case .csv: try CSVImportReader(url: url, addedBy: addedBy)
        case .list: try HashListReader(url: url, name: name, sixtyFourIsSHA256: listHoldsSHA256, addedBy: addedBy)
        case .ncmecXML: try NCMECXMLReader(url: url, name: name, addedBy: addedBy)
        case .images: try ImageFileReader(url: url, name: name, hashing: hashing, addedBy: addedBy)
        }
    }
}
