/// The keys a file has brought so far, to refuse a key the file repeats. For the persons
/// registry's keys (an ID number's 17 digits as a `UInt64`) it is an open-addressed table of
/// 8-byte slots, filled to at most 7/8 and sized from the file's length, so 9 million keys take
/// about 80 MB and are never copied into a bigger table midway (a `Set` of the same keys peaks at
/// about 200 MB while it grows); other keys (credit codes) go in a `Set`.
struct SeenKeys<Key: Hashable> {
    private var table: KeyTable?
    private var set = Set<Key>()

    /// `expected`: about how many keys the file holds.
    init(expected: Int) {
        if Key.self == UInt64.self { table = KeyTable(capacity: expected) }
    }

    /// False when `key` was seen before.
    mutating func insert(_ key: Key) -> Bool {
        if table != nil, let number = key as? UInt64 { return table!.insert(number) }
        return set.insert(key).inserted
    }

    var count: Int { table?.count ?? set.count }
}

/// An open-addressed set of `UInt64` (linear probing; 0 is kept aside, as it marks a free slot).
struct KeyTable {
    private var slots: [UInt64]
    private var hasZero = false
    private(set) var count = 0

    init(capacity: Int) {
        slots = Array(repeating: 0, count: max(64, capacity + capacity / 7 + 1))
    }

    /// The slot `key` starts probing at: a multiplicative hash mapped onto the table's length.
    private func home(_ key: UInt64) -> Int {
        let mixed = (key ^ (key >> 29)) &* 0x9E37_79B9_7F4A_7C15
        return Int(mixed.multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    /// False when `key` is already in.
    mutating func insert(_ key: UInt64) -> Bool {
        if key == 0 {
            defer { hasZero = true }
            if hasZero { return false }
            count += 1
            return true
        }
        if (count + 1) * 8 > slots.count * 7 { grow() }
        var i = home(key)
        while true {
            let slot = slots[i]
            if slot == key { return false }
            if slot == 0 {
                slots[i] = key
                count += 1
                return true
            }
            i += 1
            if i == slots.count { i = 0 }
        }
    }

    /// Half as big again (a file longer than its size suggested).
    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count + old.count / 2)
        count = hasZero ? 1 : 0
        for key in old where key != 0 { _ = insert(key) }
    }
}
