import CityCore
import CityStore
import Foundation
import SQLKit

/// Which photo: its case's key and its id.
public struct PhotoKey: Sendable, Equatable {
    public var divisionCode: String
    public var number: String
    public var id: String
}

/// Where photo bytes live. Every server process must reach the same store, so a photo taken
/// through one is served by all: the database by default (`DatabasePhotoStorage`); an object
/// store can take its place for a city that keeps millions of photos. The photo's description
/// (type, size, SHA-256, stage, who, when) is always a `case_attachments` row.
public protocol PhotoStorage: Sendable {
    /// Keeps `data` for the attachment just described, inside the caller's transaction.
    func put(_ data: Data, for key: PhotoKey, on db: any SQLDatabase) async throws
    /// The bytes kept for `key`.
    func get(_ key: PhotoKey, on db: any SQLDatabase) async throws -> Data?
}

/// Photos in the database, in the attachment row itself: committed with the change that brought
/// them, backed up with everything else.
public struct DatabasePhotoStorage: PhotoStorage {
    public init() {}

    public func put(_ data: Data, for key: PhotoKey, on db: any SQLDatabase) async throws {
        try await db.raw("""
            UPDATE case_attachments SET data = \(bind: data)
            WHERE division_code = \(bind: key.divisionCode) AND number = \(bind: key.number) AND id = \(bind: key.id)
            """).run()
    }

    public func get(_ key: PhotoKey, on db: any SQLDatabase) async throws -> Data? {
        struct Row: Decodable { let data: Data }
        return try await db.raw("""
            SELECT data FROM case_attachments WHERE division_code = \(bind: key.divisionCode) AND number = \(bind: key.number) AND id = \(bind: key.id)
            """).first(decoding: Row.self)?.data
    }
}
