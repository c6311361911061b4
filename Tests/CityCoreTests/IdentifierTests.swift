@testable import CityCore
import Foundation
import Testing

@Suite("Resident ID and credit code checks")
struct IdentifierTests {
    @Test("reference resident ID numbers: valid ones pass, a wrong check character or an impossible date fails",
          arguments: [
              ("11010519491231002X", true), ("11010519491231002x", true), ("411602198506126153", true),
              ("411602198506126150", false), ("411681200102301432", false), ("41160219850612615", false), ("41160219850612615A", false),
          ])
    func residentID(number: String, valid: Bool) {
        #expect((ResidentID(number) != nil) == valid)
    }

    @Test("the byte-wise check agrees with the character-by-character one: the same number or the same problem, for valid, corrupted and odd texts")
    func residentIDFastPathAgrees() {
        let today = Date(timeIntervalSince1970: 1_795_632_000)
        var texts = ["11010519491231002X", "11010519491231002x", "411602198506126153", "411602198506126150", "411681200102301432", "41160219850612615",
                     "41160219850612615A", "4116021985061261531", "", "４１１６０２１９８５０６１２６１５３", "41160219850612615３", "41160220000229000X",
                     "411602190002290000", "411602186912310000", "411602203001010000", "41160219851312615X", "41160219850600615X", "ABCDEFGHIJKLMNOPQR",
                     "411602198506126 53", "41160219850612615ß"]
        var rng = SplitMix64(seed: 2026)
        for _ in 0..<5_000 {
            var digits = (0..<17).map { _ in Character(String(rng.next() % 10)) }
            // Birth dates near the edges: the 29th to 31st, the last days of the year, a date to come.
            digits.replaceSubrange(6..<14, with: Array(["19991231", "20000229", "19000229", "20260230", "20261128", "20270101", "18700101", "18691231"][Int(rng.next() % 8)]))
            let body = String(digits)
            let check = rng.next() % 4 == 0 ? Character(String(rng.next() % 10)) : ResidentID.checkCharacter(body)
            texts.append(body + String(rng.next() % 2 == 0 ? check : Character(check.lowercased())))
        }
        for text in texts {
            let fast = Result { () throws(ResidentID.Problem) in try ResidentID.checked(text, today: today) }
            let reference = Result { () throws(ResidentID.Problem) in try ResidentID.checkedByCharacters(text, today: today) }
            #expect(fast == reference, "\(text)")
            if case .success(let id) = fast {
                #expect(id.birthDate == "\(id.rawValue.dropFirst(6).prefix(4))-\(id.rawValue.dropFirst(10).prefix(2))-\(id.rawValue.dropFirst(12).prefix(2))")
                #expect(id.sex == (Int(String(Array(id.rawValue)[16]))! % 2 == 1 ? .male : .female))
                #expect(id.digits == UInt64(id.rawValue.prefix(17))!)
            }
        }
    }

    @Test("a resident ID stores its check character upper-case and masks the middle")
    func residentIDNormalises() throws {
        let id = try #require(ResidentID("11010519491231002x"))
        #expect(id.rawValue == "11010519491231002X")
        #expect(id.masked == "1101**********002X")
    }

    @Test("a birth date in the future is refused")
    func futureBirth() {
        let today = ISO8601DateFormatter().date(from: "2026-11-25T00:00:00Z")!
        // 2030-01-01 with a correct check character.
        let digits = "41160220300101123"
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(digits, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        let number = digits + String(Array("10X98765432")[sum % 11])
        #expect(ResidentID(number, today: today) == nil)
    }

    @Test("reference credit codes: valid ones pass, a wrong check character fails",
          arguments: [("91350100M000100Y43", true), ("914116007L0AW5D598", true), ("514116249XYECRNW8Y", true),
                      ("914116007L0AW5D599", false), ("914116007L0AW5D59", false), ("I14116007L0AW5D598", false)])
    func creditCode(code: String, valid: Bool) {
        #expect((CreditCode(code) != nil) == valid)
    }

    @Test("a credit code names its division")
    func creditCodeDivision() throws {
        #expect(try #require(CreditCode("514116249XYECRNW8Y")).divisionCode == DivisionCode("411624"))
    }
}

@Suite("Division codes")
struct DivisionCodeTests {
    @Test("levels are read from the code")
    func levels() throws {
        #expect(try #require(DivisionCode("410000")).level == .province)
        #expect(DivisionCode.zhoukou.level == .city)
        #expect(try #require(DivisionCode("411602")).level == .county)
        #expect(try #require(DivisionCode("411602001")).level == .township)
    }

    @Test("the city contains its counties; a county contains neither the city nor another county")
    func scope() throws {
        let chuanhui = try #require(DivisionCode("411602")), huaiyang = try #require(DivisionCode("411603"))
        #expect(DivisionCode.zhoukou.contains(chuanhui))
        #expect(chuanhui.contains(chuanhui))
        #expect(!chuanhui.contains(huaiyang))
        #expect(!chuanhui.contains(.zhoukou))
        #expect(chuanhui.contains(try #require(DivisionCode("411602003"))))
        #expect(!DivisionCode.zhoukou.contains(try #require(DivisionCode("411700"))))
    }

    @Test("malformed codes are refused", arguments: ["", "41160", "4116000", "41160a", "000000", "411602 "])
    func malformed(text: String) {
        #expect(DivisionCode(text) == nil)
    }

    @Test("parents go one level up")
    func parents() throws {
        #expect(try #require(DivisionCode("411602")).parent == .zhoukou)
        #expect(DivisionCode.zhoukou.parent == DivisionCode("410000"))
        #expect(try #require(DivisionCode("410000")).parent == nil)
    }
}

@Suite("Geometry and paging")
struct GeometryTests {
    @Test("a point inside a square is inside, outside is outside, inside its hole is outside")
    func polygon() {
        let outer = [GeoPoint(lon: 0, lat: 0), GeoPoint(lon: 10, lat: 0), GeoPoint(lon: 10, lat: 10), GeoPoint(lon: 0, lat: 10), GeoPoint(lon: 0, lat: 0)]
        let hole = [GeoPoint(lon: 4, lat: 4), GeoPoint(lon: 6, lat: 4), GeoPoint(lon: 6, lat: 6), GeoPoint(lon: 4, lat: 6), GeoPoint(lon: 4, lat: 4)]
        let polygon = Polygon(rings: [outer, hole])
        #expect(polygon.contains(GeoPoint(lon: 1, lat: 1)))
        #expect(!polygon.contains(GeoPoint(lon: 11, lat: 1)))
        #expect(!polygon.contains(GeoPoint(lon: 5, lat: 5)))
    }

    @Test("page requests are clamped to 1...500 and a non-negative offset")
    func paging() {
        #expect(PageRequest(limit: 0, offset: -3) == PageRequest(limit: 1, offset: 0))
        #expect(PageRequest(limit: 10_000, offset: 5).limit == 500)
        #expect(PageRequest(limit: nil, offset: nil).limit == 50)
    }
}
