package edi

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// bigX12 is an interchange of n 850s with three lines each (~20 segments
// and ~650 bytes per set).
func bigX12(n int) []byte {
	var b strings.Builder
	b.WriteString(isa00501 + "\nGS*PO*SENDER*RECEIVER*20260101*1200*1*X*005010~\n")
	for i := range n {
		ctl := fmt.Sprintf("%04d", i+1)
		body := []string{
			"BEG*00*SA*PO-" + ctl + "**20260101", "CUR*BY*EUR", "REF*IA*VENDOR-42",
			"N1*BY*Acme Retail*92*A1", "N1*ST*Jonas Weber", "N3*Invalidenstr. 1", "N4*Berlin**10115*DE", "PER*IC*Jonas*EM*j@example.de",
		}
		for l := 1; l <= 3; l++ {
			body = append(body, fmt.Sprintf("PO1*%d*2*EA*19.99**VP*TOY-%03d*UP*012345678905", l, l), "PID*F****Building blocks, 100 pieces")
		}
		body = append(body, "CTT*3*6")
		b.WriteString(strings.ReplaceAll(x12Set("850", ctl, body...), "~", "~\n"))
	}
	fmt.Fprintf(&b, "GE*%d*1~\nIEA*1*000000101~\n", n)
	return []byte(b.String())
}

// bigEDIFACT is an interchange of n ORDERS with release characters.
func bigEDIFACT(n int) []byte {
	var b strings.Builder
	b.WriteString("UNA:+.? 'UNB+UNOC:3+BUYER:14+SELLER:14+260101:1200+REF1'")
	for i := range n {
		b.WriteString(orders(fmt.Sprint(i+1), "LIN+1++4000862141404:SRV", "IMD+F++:::Blocks?: 100 pieces ?+ box", "QTY+21:2:PCE", "PRI+AAA:19.99",
			"LIN+2++4000862141411:SRV", "IMD+F++:::O?'Brien?'s puzzle", "QTY+21:1:PCE", "PRI+AAA:9.5"))
	}
	fmt.Fprintf(&b, "UNZ+%d+REF1'", n)
	return []byte(b.String())
}

func benchTokenize(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	segs := 0
	for b.Loop() {
		rd := NewReader(bytes.NewReader(data))
		segs = 0
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			segs++
		}
	}
	b.ReportMetric(float64(segs)*float64(b.N)/b.Elapsed().Seconds(), "segments/s")
}

func BenchmarkTokenizeX12(b *testing.B)     { benchTokenize(b, bigX12(2000)) }
func BenchmarkTokenizeEDIFACT(b *testing.B) { benchTokenize(b, bigEDIFACT(2000)) }

func BenchmarkParseX12(b *testing.B) {
	data := bigX12(2000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Parse(bytes.NewReader(data), Options{})
		if err != nil || len(res.Documents()) != 2000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(2000*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}
