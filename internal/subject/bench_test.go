package subject

import "testing"

var sinkBool bool

func BenchmarkValidPublish(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkBool = ValidPublish("orders.eu.west.new.12345")
	}
}

func BenchmarkValidPublishBytes(b *testing.B) {
	s := []byte("orders.eu.west.new.12345")
	b.ReportAllocs()
	for b.Loop() {
		sinkBool = ValidPublishBytes(s)
	}
}

func BenchmarkMatches(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkBool = Matches("orders.*.west.>", "orders.eu.west.new.12345")
	}
}

func BenchmarkSubsetOf(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkBool = SubsetOf("orders.*.west.>", "orders.>")
	}
}
