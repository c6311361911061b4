import Foundation

/// One record of a delimited or line-per-record file: where it starts and what it says.
public struct FileRecord: Sendable {
    /// The 1-based line the record starts on (a quoted CSV field may span lines).
    public let line: Int
    /// The record's fields in order (CSV), or its one JSON text (NDJSON).
    public let fields: [String]
    /// The record as it stood in the file, without its line ending.
    public let raw: String
}

/// Why a record could not be read at all.
public enum FileRecordError: Error, Equatable, Sendable {
    case notUTF8(line: Int)
    case unterminatedQuote(line: Int)

    /// The line the unreadable record starts on.
    public var line: Int {
        switch self {
        case .notUTF8(let line), .unterminatedQuote(let line): line
        }
    }

    public var reason: String {
        switch self {
        case .notUTF8: "not UTF-8 / 非 UTF-8 编码"
        case .unterminatedQuote: "a quote is never closed / 引号未闭合"
        }
    }
}

/// Streams the records of a CSV (RFC 4180: quoted fields, `""` inside quotes, line breaks inside
/// quotes, CRLF or LF) or NDJSON file, a megabyte at a time, so memory stays flat whatever the
/// file's size. A record that cannot be read is reported with its line and skipped; the next one
/// reads on. A UTF-8 byte-order mark at the start is skipped.
public final class RecordReader {
    public enum Format: Sendable { case csv, ndjson }

    /// The file read a megabyte at a time; nil when the records came in memory (an upload).
    private let handle: FileHandle?
    private let format: Format
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEOF = false
    private var line = 1
    /// Bytes consumed so far (for progress against the file's size).
    public private(set) var bytesRead: Int64 = 0
    public let fileSize: Int64

    public init(path: String, format: Format) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
        self.format = format
        self.fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        fill()
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    /// Reads records already in memory (an uploaded body).
    public init(data: Data, format: Format) {
        self.handle = nil
        self.format = format
        self.fileSize = Int64(data.count)
        self.buffer = [UInt8](data)
        self.atEOF = true
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    deinit { try? handle?.close() }

    /// The format a file's name implies: `.ndjson` / `.jsonl` are NDJSON, anything else CSV.
    public static func format(ofPath path: String) -> Format {
        let lower = path.lowercased()
        return lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") ? .ndjson : .csv
    }

    private func fill() {
        guard !atEOF else { return }
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        let chunk = (try? handle?.read(upToCount: 1 << 20)) ?? nil
        if let chunk, !chunk.isEmpty { buffer.append(contentsOf: chunk) } else { atEOF = true }
    }

    /// The next record; nil at the end of the file. Blank lines are skipped.
    public func next() -> Result<FileRecord, FileRecordError>? {
        while true {
            if position >= buffer.count {
                fill()
                if position >= buffer.count { return nil }
            }
            let result = format == .csv ? nextCSV() : nextLine()
            switch result {
            case .none: return nil
            case .success(let record) where record.raw.isEmpty: continue
            default: return result
            }
        }
    }

    /// The bytes of one physical-or-quoted record, up to (not including) its line end; nil at EOF.
    private func take(quoted: Bool) -> (bytes: ArraySlice<UInt8>, lines: Int, unterminated: Bool)? {
        var scan = position
        var inQuotes = false
        var lines = 0
        while true {
            if scan >= buffer.count {
                if atEOF {
                    guard scan > position else { return nil }
                    let bytes = buffer[position..<scan]
                    bytesRead += Int64(scan - position)
                    position = scan
                    return (bytes, lines + 1, inQuotes)
                }
                let offset = scan - position
                fill()
                scan = position + offset
                continue
            }
            let byte = buffer[scan]
            if quoted && byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if byte == UInt8(ascii: "\n") {
                lines += 1
                if !inQuotes {
                    var end = scan
                    if end > position && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    let bytes = buffer[position..<end]
                    bytesRead += Int64(scan + 1 - position)
                    position = scan + 1
                    return (bytes, lines, false)
                }
            }
            scan += 1
        }
    }

    private func nextLine() -> Result<FileRecord, FileRecordError>? {
        let start = line
        guard let (bytes, lines, _) = take(quoted: false) else { return nil }
        line += lines
        guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8(line: start)) }
        return .success(FileRecord(line: start, fields: [text], raw: text))
    }

    private func nextCSV() -> Result<FileRecord, FileRecordError>? {
        let start = line
        guard let (bytes, lines, unterminated) = take(quoted: true) else { return nil }
        line += lines
        guard let raw = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8(line: start)) }
        if unterminated { return .failure(.unterminatedQuote(line: start)) }
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.endIndex && bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") && field.isEmpty {
                inQuotes = true
            } else if byte == UInt8(ascii: ",") {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            } else {
                field.append(byte)
            }
            index += 1
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return .success(FileRecord(line: start, fields: fields, raw: raw))
    }
}
