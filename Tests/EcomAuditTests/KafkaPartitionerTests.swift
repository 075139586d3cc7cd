import EcomKafka
import Testing

/// Kafka's own test vectors for `Utils.murmur2` (UtilsTest.testMurmur2 in the Java client).
@Test(arguments: [
    ("21", Int32(-973_932_308)), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
    ("a-little-bit-longer-string", -1_486_304_829), ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
    ("abc", 479_470_107),
])
func murmur2MatchesTheJavaClient(key: String, hash: Int32) {
    var text = key
    #expect(text.withUTF8 { KafkaPartitioner.murmur2($0) } == hash)
}
