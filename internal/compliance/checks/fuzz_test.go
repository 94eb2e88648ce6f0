package checks

import (
	"encoding/json"
	"testing"

	"github.com/silkgate/silkgate/internal/catalog"
)

// FuzzCheck feeds arbitrary product documents (titles in any script,
// attributes of any type, odd HS codes and batteries) through fact
// derivation and the engine: nothing may panic, and every finding must
// carry a known status. Run it with
//
//	go test -run '^$' -fuzz FuzzCheck ./internal/compliance/checks/
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{"sku":"TOY-001","title":{"zh-CN":"积木玩具","en":"Building blocks"},"category":"toys","hs_code":"950300","battery":{"chemistry":"li-ion","wh":7.4,"packing":"contained_in_equipment"},"certifications":["CE"]}`,
		`{"title":{"en":"Bluetooth wi-fi magnet aerosol spray can liquid"},"materials":["ivory","rhino horn"],"attributes":{"battery.wh":"x","radio":"是","liquid_ml":1e308,"categories":"toys|food"}}`,
		`{"title":{"zh-CN":"蓝牙无线磁力喷雾液"},"hs_code":"9","battery":{"chemistry":"li-metal","packing":"standalone"},"attributes":{"un_number":""}}`,
		`{"title":{},"hs_code":"85176200","labels":["UN 38.3","","---"],"attributes":{"flash_point_c":-40,"aerosol":true}}`,
	} {
		f.Add(s, "air")
	}
	e := Compile(testRules())
	f.Fuzz(func(t *testing.T, doc, transport string) {
		var p catalog.Product
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return
		}
		res := e.Check(Input{Product: &p, Markets: []string{"DE", "US", "SG", "US-CA"}, Transport: transport})
		for _, fd := range res.Findings {
			if fd.Status != StatusFail && fd.Status != StatusWarn && fd.Status != StatusPass {
				t.Fatalf("status %q", fd.Status)
			}
		}
		if verdictOf(res.Findings) != res.Verdict {
			t.Fatal("verdict")
		}
	})
}
