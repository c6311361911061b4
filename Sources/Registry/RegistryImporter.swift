import CityCore
import CityStore
import Foundation
import Identity

/// The closing count of a registry file's import; with `--json` it is the command's last line.
public struct ImportSummary: Sendable, Equatable, Codable {
    public var read = 0
    public var imported = 0
    public var updated = 0
    public var unchanged = 0
    public var rejected = 0
    public init() {}
}

/// How far an import has got, for a progress bar.
public struct ImportProgress: Sendable {
    public let rows: Int
    public let bytesRead: Int64
    public let fileSize: Int64
    public let elapsed: Duration
}

/// A registry file refused as a whole (rows are refused one by one, never the file for a row).
public struct ImportFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

extension PersonSource {
    /// A department as `--source` names it: its short name (`public-security`, `civil-affairs`,
    /// `health`, `hrss`) or its organisation code (`411600-PSB`, `411602-HEALTH`, `…-MCA`, `…-HRSS`).
    public init?(department: String) {
        if let source = PersonSource(rawValue: department) {
            self = source
            return
        }
        guard let dash = department.lastIndex(of: "-"), DivisionCode(String(department[..<dash])) != nil else { return nil }
        switch department[department.index(after: dash)...] {
        case "PSB": self = .publicSecurity
        case "MCA": self = .civilAffairs
        case "HEALTH": self = .health
        case "HRSS": self = .hrss
        default: return nil
        }
    }
}

/// What the file importer needs of a registry: the rule that turns a file's row into a source
/// record (or the reasons it cannot be one), the key a file may not repeat, and the batch load.
public protocol SourceFileLoader: Sendable {
    associatedtype Record: Sendable
    associatedtype Source: Sendable
    associatedtype Key: Hashable
    /// The columns a file must have (CSV header or NDJSON keys); others are ignored.
    static var columns: [String] { get }
    /// Why a row whose key an earlier row of the file had is refused.
    static var repeatedKeyReason: String { get }
    static func record(_ values: [String: String], source: Source, receivedAt: Date, scope: DivisionScope, today: Date) -> Result<Record, RowRejection>
    static func key(of record: Record) -> Key
    /// Loads one batch in one transaction; returns its rows' counts.
    func loadBatch(_ records: [Record], origin: String, by caller: Principal, audit: AuditOrigin) async throws -> (imported: Int, updated: Int, unchanged: Int)
}

/// A persons file's importer.
public typealias PersonImporter = RegistryImporter<PersonRegistry>

extension PersonRegistry: SourceFileLoader {
    public static var columns: [String] { PersonRow.columns }
    public static var repeatedKeyReason: String { "id_number repeats an earlier row of this file / 身份证号码在本文件中重复" }
    public static func record(_ values: [String: String], source: PersonSource, receivedAt: Date, scope: DivisionScope,
                              today: Date) -> Result<PersonSourceRecord, RowRejection> {
        PersonRow.record(values, source: source, receivedAt: receivedAt, scope: scope, today: today)
    }
    /// The 17 digits before the check character: 9 million take about 80 MB (`SeenKeys`).
    public static func key(of record: PersonSourceRecord) -> UInt64 { record.idNumber.digits }
    public func loadBatch(_ records: [PersonSourceRecord], origin: String, by caller: Principal, audit: AuditOrigin) async throws -> (imported: Int, updated: Int, unchanged: Int) {
        let counts = try await load(records, origin: origin, by: caller, audit: audit)
        return (counts.imported, counts.updated, counts.unchanged)
    }
}

/// Streams a source department's file (CSV with a header row, or NDJSON with the same keys) into a
/// registry in batches, one transaction each. Bad rows go to the rejects file with their line and
/// reasons; good rows are kept; a key repeated in the file is refused at its second row. Memory
/// stays flat whatever the file's size, but for the set of keys seen. A re-run of the same file
/// changes nothing, and a run killed halfway and run again ends with exactly the file's rows.
public struct RegistryImporter<Loader: SourceFileLoader>: Sendable {
    let registry: Loader
    let clock: any WallClock
    public var batchSize: Int

    public init(registry: Loader, clock: any WallClock = SystemClock(), batchSize: Int = 5_000) {
        self.registry = registry
        self.clock = clock
        self.batchSize = batchSize
    }

    public func run(path: String, source: Loader.Source, rejectsPath: String?, by caller: Principal, audit: AuditOrigin,
                    progress: @Sendable (ImportProgress) -> Void = { _ in }) async throws -> ImportSummary {
        let format = RecordReader.format(ofPath: path)
        let reader = try RecordReader(path: path, format: format)
        let rejects = try rejectsPath.map { try RejectsFile(path: $0) }
        let scope = try caller.staffScope()
        let receivedAt = clock.now()
        let started = ContinuousClock.now
        let origin = URL(fileURLWithPath: path).lastPathComponent
        let columns = Loader.columns
        var header: [String]?
        if format == .csv {
            switch reader.next() {
            case .none: throw ImportFileError(description: "\(path) is empty: a header row is needed (\(columns.joined(separator: ",")))")
            case .failure(let error): throw ImportFileError(description: "the header row cannot be read: \(error)")
            case .success(let record):
                let names = record.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                let missing = columns.filter { !names.contains($0) }
                guard missing.isEmpty else {
                    throw ImportFileError(description: "the header lacks \(missing.joined(separator: ", ")) (it needs \(columns.joined(separator: ",")))")
                }
                header = names
            }
        }
        var summary = ImportSummary()
        // The keys this file has brought so far: a key the file repeats is refused, so what a file
        // says is unambiguous and running it again changes nothing.
        // A persons file's rows run about 90 bytes in CSV and twice that in NDJSON (the keys
        // repeat): sized for rows of 80 and 160, the table rarely has to grow.
        var seen = SeenKeys<Loader.Key>(expected: Int(reader.fileSize / (format == .csv ? 80 : 160)))
        var batch: [Loader.Record] = []
        batch.reserveCapacity(batchSize)
        // One batch loads while the next is read and checked (two cores: parsing and the database
        // overlap). Batches still commit one after another, in file order.
        var loading: Task<(imported: Int, updated: Int, unchanged: Int), any Error>?
        func settle() async throws {
            guard let running = loading else { return }
            loading = nil
            let counts = try await running.value
            summary.imported += counts.imported
            summary.updated += counts.updated
            summary.unchanged += counts.unchanged
            try rejects?.sync()
            progress(ImportProgress(rows: summary.read, bytesRead: reader.bytesRead, fileSize: reader.fileSize, elapsed: ContinuousClock.now - started))
        }
        func flush() async throws {
            try await settle()
            guard !batch.isEmpty else { return }
            let rows = batch
            batch = []
            batch.reserveCapacity(batchSize)
            let registry = registry
            loading = Task { try await registry.loadBatch(rows, origin: origin, by: caller, audit: audit) }
        }
        func reject(_ line: Int, _ reason: String, _ raw: String) throws {
            summary.rejected += 1
            try rejects?.write(line: line, reason: reason, raw: raw)
        }
        while let next = reader.next() {
            summary.read += 1
            let record: FileRecord
            switch next {
            case .failure(let error):
                try reject(error.line, error.reason, "")
                continue
            case .success(let r): record = r
            }
            let values: [String: String]
            if let header {
                guard record.fields.count == header.count else {
                    try reject(record.line, "\(record.fields.count) fields where the header has \(header.count) / 字段数与表头不符", record.raw)
                    continue
                }
                values = Dictionary(zip(header, record.fields), uniquingKeysWith: { first, _ in first })
            } else {
                guard let parsed = jsonObject(record.raw) else {
                    try reject(record.line, "not a JSON object / 不是 JSON 对象", record.raw)
                    continue
                }
                values = parsed
            }
            switch Loader.record(values, source: source, receivedAt: receivedAt, scope: scope, today: receivedAt) {
            case .success(let row):
                guard seen.insert(Loader.key(of: row)) else {
                    try reject(record.line, Loader.repeatedKeyReason, record.raw)
                    continue
                }
                batch.append(row)
            case .failure(let rejection):
                try reject(record.line, rejection.description, record.raw)
            }
            if batch.count >= batchSize { try await flush() }
        }
        try await flush()
        try await settle()
        try rejects?.close()
        return summary
    }
}

/// An NDJSON line's keys and values (numbers as written, null as absent).
func jsonObject(_ line: String) -> [String: String]? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
    var values: [String: String] = [:]
    for (key, value) in object {
        switch value {
        case let text as String: values[key] = text
        case let number as NSNumber: values[key] = number.stringValue
        default: continue
        }
    }
    return values
}

/// The rejects file: CSV `line,reason,record`, written as the import goes.
final class RejectsFile: @unchecked Sendable {
    private let handle: FileHandle
    private var pending = ""

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data("line,reason,record\n".utf8)),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw ImportFileError(description: "cannot write the rejects file \(path)")
        }
        try handle.seekToEnd()
        self.handle = handle
    }

    func write(line: Int, reason: String, raw: String) throws {
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        pending += "\(line),\(quoted(reason)),\(quoted(raw))\n"
        if pending.utf8.count > 1 << 16 { try sync() }
    }

    func sync() throws {
        guard !pending.isEmpty else { return }
        try handle.write(contentsOf: Data(pending.utf8))
        pending = ""
    }

    func close() throws {
        try sync()
        try handle.close()
    }
}
