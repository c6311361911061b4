import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// Real-name binding (实名认证) of a portal account to the person it is: the citizen states an ID
/// number and a name, and the registry must hold that person with that name and with the phone
/// the account has proved with a sign-in code (something known and something held). Failures say
/// only that the three do not agree, and count like failed sign-ins (five per account in 15
/// minutes). A person is bound to one account: binding from a new phone's account moves it there.
public struct CitizenBinding: Sendable {
    let store: Store
    let clock: any WallClock
    let audit: AuditLog
    let citizens: CitizenAccounts
    let throttle: LoginThrottle

    public init(store: Store, clock: any WallClock, audit: AuditLog, citizens: CitizenAccounts, throttle: LoginThrottle? = nil) {
        self.store = store
        self.clock = clock
        self.audit = audit
        self.citizens = citizens
        self.throttle = throttle ?? LoginThrottle(store: store, clock: clock)
    }

    public func bind(idNumber: String, name: String, by caller: Principal, origin: AuditOrigin) async throws -> ResidentID {
        guard caller.kind == .citizen else { throw IdentityError.notACitizen }
        let text = idNumber.trimmingCharacters(in: .whitespaces).uppercased()
        guard let id = ResidentID(text) else {
            throw RegistryError.invalidField("idNumber", zh: "请填写有效的公民身份号码", en: "a valid resident ID number is required")
        }
        let name = name.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(name.count) else { throw RegistryError.invalidField("name", zh: "请填写姓名", en: "the name is required") }
        let account = try await citizens.ownAccount(by: caller, origin: origin)
        guard account.phoneVerifiedAt != nil else { throw RegistryError.phoneNotVerified }
        do {
            try await throttle.guarding(source: origin.source, account: "bind:" + caller.id) {
                let row = try await store.readRows("SELECT name, phone FROM persons WHERE \(PersonRegistry.keyMatch([id]))").first
                let stored = (try row?.decode(column: "name", as: String?.self), try row?.decode(column: "phone", as: String?.self))
                guard let storedName = stored.0, let storedPhone = stored.1, storedName == name, storedPhone == account.phone else {
                    throw IdentityError.invalidCredentials
                }
            }
        } catch let error as IdentityError where error == .invalidCredentials {
            _ = try await audit.append(AuditEntry(actor: caller.auditActor, action: "registry.citizen.bind", recordType: "person", recordID: Mask.idNumber(id.rawValue),
                                                  origin: origin, outcome: "denied", detail: "ID number, name and phone do not agree"))
            throw RegistryError.bindingRefused
        }
        let (now, dialect) = (clock.now(), store.dialect)
        try await store.write { db in
            try await db.raw("DELETE FROM citizen_persons WHERE id_number = \(bind: id.rawValue) OR citizen_id = \(bind: caller.id)").run()
            try await db.raw("INSERT INTO citizen_persons (citizen_id, id_number, bound_at) VALUES (\(bind: caller.id), \(bind: id.rawValue), \(bind: now))").run()
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "registry.citizen.bind", recordType: "person", recordID: Mask.idNumber(id.rawValue),
                                                 origin: origin, detail: "bound by ID number, name and a code-verified phone"),
                                      at: now, dialect: dialect, on: db)
        }
        return id
    }

    /// The person the calling citizen is bound to, if any.
    public func person(of caller: Principal) async throws -> ResidentID? {
        guard caller.kind == .citizen else { throw IdentityError.notACitizen }
        struct Row: Decodable { let idNumber: String }
        return try await store.read { db in
            try await db.raw("SELECT id_number FROM citizen_persons WHERE citizen_id = \(bind: caller.id)").first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }.flatMap { ResidentID($0.idNumber) }
    }

    /// Ends the calling citizen's binding.
    public func unbind(by caller: Principal, origin: AuditOrigin) async throws {
        guard caller.kind == .citizen else { throw IdentityError.notACitizen }
        let (now, dialect) = (clock.now(), store.dialect)
        try await store.write { db in
            try await db.raw("DELETE FROM citizen_persons WHERE citizen_id = \(bind: caller.id)").run()
            try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "registry.citizen.unbind", recordType: "citizen", recordID: caller.id, origin: origin),
                                      at: now, dialect: dialect, on: db)
        }
    }
}
