import CityCore
import CityStore
import Foundation
import Identity

/// Synthetic legal entities for the demo and for trying the registry at scale: valid credit codes
/// (GB 32100 check characters) of enterprises, individual businesses, cooperatives and social
/// organisations, one in twenty registered outside the city (branches), legal representatives
/// drawn from the synthetic residents of `representativeSeed`, statuses with their dates.
public struct EntityGenerator {
    /// Kind prefix, share in per mille, name pattern.
    static let kinds: [(String, Int, String)] = [("91", 700, "有限公司"), ("92", 200, "经营部"), ("93", 30, "农民专业合作社"), ("51", 30, "协会"), ("52", 40, "服务中心")]
    static let words = ["华盛", "中原", "沙颍", "莲花", "豫东", "周商", "淮阳", "伏羲", "恒达", "鑫源", "金穗", "润丰", "天成", "宏图", "安康", "众诚"]
    static let trades = ["农业科技", "食品", "建材", "商贸", "物流", "纺织", "医药", "电子", "餐饮", "教育", "养老", "文化"]
    static let counties = PersonGenerator.counties.map(\.0)

    private var random: SplitMix64
    private var people: PersonGenerator
    private var issued: Set<String> = []

    public init(seed: UInt64, representativeSeed: UInt64) {
        random = SplitMix64(seed: seed)
        people = PersonGenerator(seed: representativeSeed)
    }

    public static let header = EntityRow.columns.joined(separator: ",") + ",status_date,business_scope"

    /// One entity as a CSV line (without line end) of `header`.
    public mutating func nextCSVLine(today: Date) -> String {
        var pick = random.below(1_000)
        var kind = Self.kinds[0]
        for k in Self.kinds {
            if pick < k.1 { kind = k; break }
            pick -= k.1
        }
        let county = Self.counties[random.below(Self.counties.count)]
        let registration = random.below(20) == 0 ? ["410100", "410300", "110000", "310000"][random.below(4)] : county
        var code: String
        repeat {
            let body = kind.0 + registration + String((0..<9).map { _ in CreditCode.alphabet[random.below(CreditCode.alphabet.count)] })
            code = body + String(CreditCode.checkCharacter(body)!)
        } while !issued.insert(code).inserted
        let representative = people.nextCSVLine(today: today).split(separator: ",", maxSplits: 1)[0]
        let name = "周口\(Self.words[random.below(Self.words.count)])\(Self.trades[random.below(Self.trades.count)])\(kind.2)"
        let roll = random.below(100)
        let status = roll < 90 ? "active" : roll < 94 ? "revoked" : "cancelled"
        let year = 2000 + random.below(26), month = 1 + random.below(12), day = 1 + random.below(28)
        let date = "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        let address = "周口市\(PersonGenerator.streets[random.below(PersonGenerator.streets.count)])\(1 + random.below(300))号"
        return "\(code),\(name),,\(representative),\(address),\(county),\(status),\(date),\(Self.trades[random.below(Self.trades.count)])"
    }
}

extension EntityRegistry {
    /// Loads `count` generated entities as market regulation's records (origin "demo (generated)"),
    /// their representatives among the demo residents; idempotent for the same seeds.
    public func seedDemo(count: Int, representativeSeed: UInt64, today: Date, by caller: Principal, audit: AuditOrigin) async throws -> Int {
        var generator = EntityGenerator(seed: 4_116, representativeSeed: representativeSeed)
        let columns = EntityGenerator.header.split(separator: ",").map(String.init)
        var loaded = 0
        var remaining = count
        while remaining > 0 {
            let n = min(remaining, 5_000)
            remaining -= n
            let records = (0..<n).compactMap { _ -> EntitySourceRecord? in
                let fields = generator.nextCSVLine(today: today).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                return try? EntityRow.record(Dictionary(uniqueKeysWithValues: zip(columns, fields)), source: .marketRegulation, receivedAt: today,
                                             scope: .city, today: today).get()
            }
            loaded += try await load(records, origin: DemoGeography.source, by: caller, audit: audit).imported
        }
        return loaded
    }
}
