#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file holding one secret key as base64 on one line, readable by its owner only (0600, in a
/// 0700 folder when the folder is made here). The audit notary's signing key and the seals'
/// key-encryption key are kept this way.
///
/// A missing file is created with a new key, exclusively: of two processes starting together one
/// writes it and the other reads it. A file that exists but does not hold a key of the expected
/// length is an error, never overwritten: the keys sealed or signed under it would be lost.
public enum SecretKeyFile {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// The file exists but is not base64 of `length` bytes.
        case malformed(path: String, length: Int)
        /// The file or its folder could not be read or written.
        case unusable(path: String, reason: String)

        public var description: String {
            switch self {
            case .malformed(let path, let length): "\(path) does not hold a key (expected base64 of \(length) bytes); it is left as it is"
            case .unusable(let path, let reason): "\(path): \(reason)"
            }
        }
    }

    /// The key in `file`; when the file is missing, `make()` is written to it first and `created` is true.
    public static func load(_ file: URL, length: Int, make: () -> Data) throws -> (key: Data, created: Bool) {
        let path = file.path
        if let key = try read(path, length: length) { return (key, false) }
        let folder = file.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: folder.path) {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw Failure.unusable(path: folder.path, reason: "the folder cannot be made (\(error.localizedDescription))")
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd < 0 {
            let code = errno
            if code == EEXIST, let key = try read(path, length: length) { return (key, false) }
            throw Failure.unusable(path: path, reason: String(cString: strerror(code)))
        }
        let key = make()
        let line = Array((key.base64EncodedString() + "\n").utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == line.count, synced == 0 else {
            unlink(path)
            throw Failure.unusable(path: path, reason: "the key could not be written")
        }
        return (key, true)
    }

    /// The key in an existing file; nil when there is no file (or it is still empty: another
    /// process is writing it, so wait for it briefly).
    static func read(_ path: String, length: Int) throws -> Data? {
        for attempt in 0..<50 {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure.unusable(path: path, reason: "the file cannot be read")
            }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty, attempt < 49 { usleep(20_000); continue }
            guard let key = Data(base64Encoded: text), key.count == length else { throw Failure.malformed(path: path, length: length) }
            return key
        }
        return nil
    }
}
