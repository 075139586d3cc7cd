import ArgumentParser
import EcomModel

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the schema of a record type: JSON Schema, or Spark StructType JSON for Spark and Delta Lake.",
        discussion: "Example: ecomdata schema --type transactions --format spark > transactions.schema.json"
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonSchema = "json-schema", spark
    }

    @Option(help: "Record type: \(RecordType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var type: RecordType

    @Option(help: "json-schema or spark.")
    var format: Format = .jsonSchema

    func run() throws {
        let document = format == .spark ? RecordSchema.sparkSchema(of: type) : RecordSchema.jsonSchema(of: type)
        print(document.encoded(pretty: true))
    }
}
