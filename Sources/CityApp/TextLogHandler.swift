import Foundation
import Logging

/// The readable log line (`log.format=text`, the default) on standard error, as swift-log writes it:
/// `time level label: key=value … [source] message`.
/// Metadata is formatted when a line is written, not each time a key is set: the HTTP server sets
/// the request id on every request, and swift-log's StreamLogHandler re-formats all metadata on
/// each set (about 4 % of an authorised request's CPU, most of it for lines never written).
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        let fields = all.keys.sorted().map { "\($0)=\(all[$0]!)" }.joined(separator: " ")
        let line = "\(Date().formatted(.iso8601)) \(event.level) \(label):\(fields.isEmpty ? "" : " " + fields) [\(event.source)] \(event.message)\n"
        write(line)
    }
}
