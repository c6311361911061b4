import ArgumentParser

/// `cityhub import …`: reference data files.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import reference data files.",
                                                    subcommands: [ImportDivisions.self, ImportStaff.self, ImportPersons.self, ImportEntities.self, ImportGeography.self,
                                                                  ImportCalendar.self])
}
