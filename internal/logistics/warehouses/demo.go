package warehouses

import (
	"context"
	"errors"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Sample warehouses for the demo tenant, marked as sample data by their
// codes ("SAMPLE-…") and names.
var sampleWarehouses = []Warehouse{
	{Code: "SAMPLE-DE-HAM", Name: "Hamburg fulfilment centre (sample data)", Operator: "Sample Fulfilment GmbH", Country: "DE",
		Address:   Address{Line1: "Am Hafen 12", City: "Hamburg", Postcode: "20457"},
		Connector: ConnectorManual,
		Regions:   []Region{{"DE", 1}, {"AT", 2}, {"NL", 2}, {"FR", 3}, {"IT", 3}, {"ES", 4}, {"GB", 5}},
		Fees: FeeSchedule{Currency: "EUR", HandlingPerOrder: "1.20", HandlingPerLine: "0.25",
			Storage: []StorageBand{{UpToDays: 90, PerUnitDay: "0.010"}, {UpToDays: 180, PerUnitDay: "0.025"}, {PerUnitDay: "0.060"}}},
		Alerts: AlertRules{LowStock: 10, AgeingDays: 180}},
	{Code: "SAMPLE-GB-LON", Name: "London Heathrow warehouse (sample data)", Operator: "Sample Fulfilment UK Ltd", Country: "GB",
		Address:   Address{Line1: "Unit 4, Bath Road", City: "Hayes", Postcode: "UB3 5AN"},
		Connector: ConnectorManual,
		Regions:   []Region{{"GB", 1}, {"IE", 3}},
		Fees:      FeeSchedule{Currency: "GBP", HandlingPerOrder: "1.10", HandlingPerUnit: "0.15", Storage: []StorageBand{{PerUnitDay: "0.020"}}},
		Alerts:    AlertRules{LowStock: 5, AgeingDays: 120}},
	{Code: "SAMPLE-US-LAX", Name: "Los Angeles warehouse (sample data)", Operator: "Sample Fulfilment Inc.", Country: "US",
		Address:   Address{Line1: "2100 E Carson St", City: "Carson, CA", Postcode: "90810"},
		Connector: ConnectorManual,
		Regions:   []Region{{"US", 3}, {"CA", 5}, {"MX", 6}},
		Fees: FeeSchedule{Currency: "USD", HandlingPerOrder: "1.50", HandlingPerLine: "0.30",
			Storage: []StorageBand{{UpToDays: 30, PerUnitDay: "0.012"}, {UpToDays: 180, PerUnitDay: "0.030"}, {PerUnitDay: "0.080"}}},
		Alerts: AlertRules{LowStock: 20, AgeingDays: 180}},
}

// sampleStock is what the sample warehouses hold: code, SKU, grade,
// units and how many days ago they arrived.
var sampleStock = []struct {
	code, sku string
	grade     Grade
	units     int64
	daysAgo   int
}{
	{"SAMPLE-DE-HAM", "DEMO-TOY-001", warehouse.GradeNew, 240, 12},
	{"SAMPLE-DE-HAM", "DEMO-TOY-001", warehouse.GradeNew, 60, 75},
	{"SAMPLE-DE-HAM", "DEMO-TOY-003", warehouse.GradeNew, 8, 40},
	{"SAMPLE-DE-HAM", "DEMO-ELE-004", warehouse.GradeNew, 500, 20},
	{"SAMPLE-DE-HAM", "DEMO-ELE-004", warehouse.GradeRefurbished, 6, 5},
	{"SAMPLE-DE-HAM", "DEMO-HOM-003", warehouse.GradeNew, 35, 210},
	{"SAMPLE-GB-LON", "DEMO-TOY-001", warehouse.GradeNew, 90, 25},
	{"SAMPLE-GB-LON", "DEMO-TEX-003", warehouse.GradeNew, 150, 140},
	{"SAMPLE-GB-LON", "DEMO-TEX-003", warehouse.GradeDamaged, 2, 30},
	{"SAMPLE-US-LAX", "DEMO-ELE-004", warehouse.GradeNew, 320, 18},
	{"SAMPLE-US-LAX", "DEMO-TOY-002", warehouse.GradeNew, 14, 60},
	{"SAMPLE-US-LAX", "DEMO-HOM-001", warehouse.GradeNew, 80, 100},
}

// SeedSamples gives the tenant in ctx the sample warehouses with stock,
// once (false when they exist already), and evaluates their alerts.
func (s *Service) SeedSamples(ctx context.Context) (bool, error) {
	ws, err := s.All(ctx)
	if err != nil {
		return false, err
	}
	for _, w := range ws {
		if w.Code == sampleWarehouses[0].Code {
			return false, nil
		}
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		byCode := map[string]string{}
		for _, w := range sampleWarehouses {
			w.Regions = append([]Region(nil), w.Regions...)
			out, err := s.Create(ctx, w)
			if err != nil && !errors.Is(err, problem.ErrConflict) {
				return err
			}
			byCode[out.Code] = out.ID
		}
		now := s.stamp()
		for _, st := range sampleStock {
			if _, _, err := s.apply(ctx, move{warehouseID: byCode[st.code], typ: warehouse.Receipt, sku: st.sku, grade: st.grade,
				onHand: st.units, note: "sample data", receivedAt: now.Add(-time.Duration(st.daysAgo) * 24 * time.Hour)}); err != nil {
				return err
			}
		}
		in, err := s.CreateInbound(ctx, NewInbound{WarehouseID: byCode["SAMPLE-US-LAX"], Reference: "PO-SAMPLE-0042",
			Lines: []Line{{SKU: "DEMO-TOY-002", Quantity: 200}, {SKU: "DEMO-ELE-004", Quantity: 300}}})
		if err != nil {
			return err
		}
		if _, err := s.ShipInbound(ctx, in.ID); err != nil {
			return err
		}
		if _, err := s.CreateOutbound(ctx, NewOutbound{Country: "FR", Reference: "AMZ-SAMPLE-0001",
			Lines: []Line{{SKU: "DEMO-TOY-001", Quantity: 2}, {SKU: "DEMO-ELE-004", Quantity: 1}}}); err != nil {
			return err
		}
		all, err := s.All(ctx)
		if err != nil {
			return err
		}
		_, err = s.checkAlerts(ctx, all)
		return err
	})
	return err == nil, err
}
