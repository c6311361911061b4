@testable import Registry
import Testing

@Suite("The keys an import has seen")
struct SeenKeysTests {
    @Test("the compact table answers as a Set does: repeats refused, zero and growth past its size included")
    func compactTableMatchesASet() {
        var generator = SystemRandomNumberGenerator()
        // Sized for 1,000 and given 30,000 keys (it grows), a third of them repeats.
        var table = SeenKeys<UInt64>(expected: 1_000)
        var reference = Set<UInt64>()
        var pool: [UInt64] = [0, 1, UInt64.max, 11_010_519_491_231_002]
        for _ in 0..<20_000 { pool.append(UInt64.random(in: 0...99_999_999_999_999_999, using: &generator)) }
        for _ in 0..<30_000 {
            let key = pool.randomElement(using: &generator)!
            let inserted = table.insert(key)
            #expect(inserted == reference.insert(key).inserted, "\(key)")
        }
        #expect(table.count == reference.count)
        // Every key is still there after the growths.
        for key in reference {
            let again = table.insert(key)
            #expect(!again)
        }
    }

    @Test("other keys (credit codes) are kept in a Set")
    func otherKeys() {
        var seen = SeenKeys<String>(expected: 10)
        let first = seen.insert("91411600MA44XXXX1A"), second = seen.insert("91411600MA44XXXX1A")
        #expect(first && !second)
        #expect(seen.count == 1)
    }
}
