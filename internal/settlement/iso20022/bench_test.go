package iso20022

import (
	"fmt"
	"testing"

	"github.com/silkgate/silkgate/internal/platform/money"
)

func benchBatch(n int) Batch {
	b := sampleBatch()
	tx := b.Transactions[0]
	b.Transactions = nil
	for i := range n {
		tx.EndToEndID = fmt.Sprintf("E2E-%d", i)
		tx.Amount = money.Money{Amount: fmt.Sprintf("%d.%02d", i+1, i%100), Currency: "EUR"}
		b.Transactions = append(b.Transactions, tx)
	}
	return b
}

func BenchmarkPain001(b *testing.B) {
	batch := benchBatch(1000)
	for b.Loop() {
		if _, err := Pain001(batch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBankFile(b *testing.B) {
	var ns []Notification
	for i := range 100 {
		var txs []NotifiedTx
		for j := range 10 {
			txs = append(txs, NotifiedTx{EndToEndID: fmt.Sprintf("E-%d-%d", i, j), Amount: money.Money{Amount: "12.34", Currency: "EUR"}})
		}
		ns = append(ns, Notification{Ref: fmt.Sprint(i), Direction: Debit, Txs: txs})
	}
	data, err := Camt054("B", "DE89370400440532013000", sampleBatch().CreatedAt, ns)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseBankFile(data); err != nil {
			b.Fatal(err)
		}
	}
}
