import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// Open data: resources marked `open` listed for the public as a DCAT-AP 3 catalogue in JSON-LD
/// (for harvesters such as CKAN) with JSON and CSV downloads of their public fields only. No
/// grant is needed and none of what is served is personal, internal or secret.
public struct OpenData: Sendable {
    let store: Store
    let clock: any WallClock
    let sources: [String: any RowSource]
    let organisations: OrganisationBook

    public init(store: Store, clock: any WallClock, sources: [String: any RowSource], organisations: OrganisationBook) {
        self.store = store
        self.clock = clock
        self.sources = sources
        self.organisations = organisations
    }

    /// The open resources, by code.
    public func resources() async throws -> [Resource] {
        try await store.read { db in
            try await db.raw("SELECT * FROM exchange_resources WHERE openness = 'open' ORDER BY code")
                .all(decoding: ResourceRow.self, keyDecodingStrategy: .convertFromSnakeCase).map { try $0.resource() }
        }
    }

    /// An open resource, or nil (closed ones are as unknown as missing ones).
    public func resource(_ code: String) async throws -> Resource? {
        guard let found = try await ResourceCatalogue(store: store, clock: clock).find(code), found.openness == .open else { return nil }
        return found
    }

    /// The fields anyone may download.
    public static func publicFields(_ resource: Resource) -> [ResourceField] { resource.fields.filter { $0.sensitivity == .public } }

    /// A page of an open resource's rows, public fields only, after a key.
    public func rows(_ resource: Resource, after key: String?, limit: Int) async throws -> [SharedRow] {
        let source = try DatasetRows.source(of: resource, store: store, sources: sources)
        let names = Set(Self.publicFields(resource).map(\.name))
        return try await source.rows(RowQuery(after: key, limit: limit)).map { row in
            SharedRow(key: row.key, divisionCode: row.divisionCode, values: row.values.filter { names.contains($0.key) })
        }
    }

    static let frequencies: [UpdateCycle: String] = [
        .realtime: "UPDATE_CONT", .daily: "DAILY", .weekly: "WEEKLY", .monthly: "MONTHLY", .quarterly: "QUARTERLY", .yearly: "ANNUAL", .irregular: "IRREG",
    ]

    /// The DCAT-AP 3 catalogue in JSON-LD, its URLs under `base` (`https://data.example.gov.cn`).
    public func catalogue(base: String) async throws -> String {
        let open = try await resources()
        var publishers: [String: String] = [:]
        for code in Set(open.map(\.providerCode)) {
            publishers[code] = try await organisations.find(code)?.name ?? code
        }
        let catalogID = base + "/opendata/catalog.jsonld"
        var json = JSONWriter(capacity: 4_096 + open.count * 2_048)
        json.beginObject()
        json.key("@context")
        json.beginObject()
        for (prefix, iri) in [("dcat", "http://www.w3.org/ns/dcat#"), ("dct", "http://purl.org/dc/terms/"), ("foaf", "http://xmlns.com/foaf/0.1/"),
                              ("xsd", "http://www.w3.org/2001/XMLSchema#"), ("vcard", "http://www.w3.org/2006/vcard/ns#")] {
            json.field(prefix, iri)
        }
        json.endObject()
        json.key("@graph")
        json.beginArray()
        // The catalogue.
        json.beginObject()
        json.field("@id", catalogID)
        json.field("@type", "dcat:Catalog")
        Self.text(&json, "dct:title", zh: "周口市公共数据开放目录", en: "Zhoukou open data catalogue")
        Self.text(&json, "dct:description", zh: "周口市政务信息资源中向社会开放的数据集", en: "The datasets Zhoukou's government opens to the public")
        Self.reference(&json, "dct:publisher", base + "/opendata/publishers/411600-BDB")
        Self.date(&json, "dct:modified", open.map(\.updatedAt).max() ?? clock.now())
        json.key("dcat:dataset")
        json.beginArray()
        for resource in open { json.beginObject(); json.field("@id", Self.datasetID(base, resource)); json.endObject() }
        json.endArray()
        json.endObject()
        // The publishers.
        var agents = Set(open.map(\.providerCode))
        agents.insert("411600-BDB")
        for code in agents.sorted() {
            json.beginObject()
            json.field("@id", base + "/opendata/publishers/" + code)
            json.field("@type", "foaf:Agent")
            json.key("foaf:name")
            json.beginObject(); json.field("@value", publishers[code] ?? (code == "411600-BDB" ? "周口市政务服务和大数据管理局" : code)); json.field("@language", "zh"); json.endObject()
            json.endObject()
        }
        // Each dataset and its two distributions.
        for resource in open {
            let id = Self.datasetID(base, resource)
            json.beginObject()
            json.field("@id", id)
            json.field("@type", "dcat:Dataset")
            Self.text(&json, "dct:title", zh: resource.name, en: resource.nameEn)
            Self.text(&json, "dct:description", zh: resource.summary.isEmpty ? resource.name : resource.summary, en: nil)
            json.key("dct:identifier")
            json.beginObject(); json.field("@value", resource.code); json.endObject()
            Self.reference(&json, "dct:publisher", base + "/opendata/publishers/" + resource.providerCode)
            Self.date(&json, "dct:issued", resource.createdAt)
            Self.date(&json, "dct:modified", resource.updatedAt)
            Self.reference(&json, "dct:accrualPeriodicity",
                           "http://publications.europa.eu/resource/authority/frequency/" + (Self.frequencies[resource.updateCycle] ?? "IRREG"))
            json.key("dcat:distribution")
            json.beginArray()
            for format in ["json", "csv"] {
                json.beginObject(); json.field("@id", "\(id)/\(format)"); json.endObject()
            }
            json.endArray()
            json.endObject()
            for (format, media) in [("json", "application/json"), ("csv", "text/csv")] {
                let url = "\(base)/opendata/datasets/\(resource.code).\(format)"
                json.beginObject()
                json.field("@id", "\(id)/\(format)")
                json.field("@type", "dcat:Distribution")
                Self.reference(&json, "dcat:accessURL", url)
                Self.reference(&json, "dcat:downloadURL", url)
                Self.reference(&json, "dcat:mediaType", "http://www.iana.org/assignments/media-types/" + media)
                Self.text(&json, "dct:title", zh: "\(resource.name)（\(format.uppercased())）", en: nil)
                json.endObject()
            }
        }
        // The linked vocabulary nodes, typed (harvesters and the shapes check their classes).
        for cycle in Set(open.map(\.updateCycle)).sorted(by: { $0.rawValue < $1.rawValue }) {
            json.beginObject()
            json.field("@id", "http://publications.europa.eu/resource/authority/frequency/" + (Self.frequencies[cycle] ?? "IRREG"))
            json.field("@type", "dct:Frequency")
            json.endObject()
        }
        if !open.isEmpty {
            for media in ["application/json", "text/csv"] {
                json.beginObject()
                json.field("@id", "http://www.iana.org/assignments/media-types/" + media)
                json.field("@type", "dct:MediaType")
                json.endObject()
            }
        }
        json.endArray()
        json.endObject()
        return json.text
    }

    static func datasetID(_ base: String, _ resource: Resource) -> String { base + "/opendata/datasets/" + resource.code }

    static func text(_ json: inout JSONWriter, _ key: String, zh: String, en: String?) {
        json.key(key)
        json.beginArray()
        json.beginObject(); json.field("@value", zh); json.field("@language", "zh"); json.endObject()
        if let en { json.beginObject(); json.field("@value", en); json.field("@language", "en"); json.endObject() }
        json.endArray()
    }

    static func reference(_ json: inout JSONWriter, _ key: String, _ iri: String) {
        json.key(key)
        json.beginObject(); json.field("@id", iri); json.endObject()
    }

    static func date(_ json: inout JSONWriter, _ key: String, _ date: Date) {
        json.key(key)
        json.beginObject(); json.field("@value", date.secondISO8601); json.field("@type", "xsd:dateTime"); json.endObject()
    }
}
