package edi

// Tracking stages.
//
// Carriers report status in their own code lists: X12 214 AT701 shipment
// status codes, EDIFACT IFTSTA STS 4405 from UN/ECE Recommendation 24. The
// logistics module needs one vocabulary across carriers, so every event
// also carries a normalised Stage. The sender's code stays in
// TrackingEvent.Code: a stage is a reading of it, and a reading can be
// revised without losing what was sent.

// Normalised tracking stages, in the order a parcel usually passes them.
// An event whose code has no stage (a terminal scan, an appointment) has
// Stage "".
const (
	StageLabelCreated              = "label_created"
	StagePickedUp                  = "picked_up"
	StageExportCustoms             = "export_customs"
	StageDeparted                  = "departed"
	StageArrivedDestinationCountry = "arrived_destination_country"
	StageImportCustoms             = "import_customs"
	StageOutForDelivery            = "out_for_delivery"
	StageDelivered                 = "delivered"
	StageException                 = "exception"
	StageReturned                  = "returned"
)

// Stages lists the normalised stages.
var Stages = []string{StageLabelCreated, StagePickedUp, StageExportCustoms, StageDeparted,
	StageArrivedDestinationCountry, StageImportCustoms, StageOutForDelivery, StageDelivered, StageException, StageReturned}

// x12Stages reads X12 AT701 shipment status codes (element 1650). Only
// codes whose meaning fits one stage are listed; terminal arrivals,
// appointments and estimates stay without a stage.
var x12Stages = map[string]string{
	"XB": StageLabelCreated, // shipment acknowledged
	"OO": StageLabelCreated, // paperwork received, shipment not yet
	"AF": StagePickedUp,     // carrier departed pick-up location with shipment
	"CP": StagePickedUp,     // completed loading at pick-up location
	"P1": StageDeparted,     // departed terminal location
	"X6": StageDeparted,     // en route to delivery location
	"J1": StageDeparted,     // delivered to connecting line
	"K1": StageImportCustoms,
	"X1": StageOutForDelivery, // arrived at delivery location
	"OD": StageOutForDelivery,
	"D1": StageDelivered, // completed unloading at delivery location
	"CD": StageDelivered, // carrier departed delivery location
	"AH": StageException, // attempted delivery
	"AP": StageException, // delivery not completed
	"A7": StageException, // refused by consignee
	"A9": StageException, // shipment damaged
	"SD": StageException, // shipment delayed
	"CA": StageException, // shipment cancelled
	"AN": StageException, // diverted
	"A3": StageReturned,  // shipment returned to shipper
}

// rec24Stages reads UN/ECE Recommendation 24 transport status codes (STS
// 4405 in IFTSTA).
var rec24Stages = map[string]string{
	"6": StageLabelCreated, "50": StageLabelCreated, "68": StageLabelCreated, "71": StageLabelCreated,
	"13": StagePickedUp, "74": StagePickedUp, "130": StagePickedUp,
	"9":  StageExportCustoms,
	"24": StageDeparted, "27": StageDeparted, "31": StageDeparted, "35": StageDeparted, "48": StageDeparted,
	"100": StageDeparted, "127": StageDeparted, "16": StageDeparted,
	"1": StageArrivedDestinationCountry, "40": StageArrivedDestinationCountry, "45": StageArrivedDestinationCountry,
	"8": StageImportCustoms, "12": StageImportCustoms, "39": StageImportCustoms, "126": StageImportCustoms,
	"128": StageImportCustoms, "170": StageImportCustoms,
	"113": StageOutForDelivery,
	"21":  StageDelivered, "22": StageDelivered, "72": StageDelivered, "114": StageDelivered,
	"3": StageException, "17": StageException, "18": StageException, "20": StageException, "23": StageException,
	"25": StageException, "36": StageException, "49": StageException, "53": StageException, "54": StageException,
	"57": StageException, "63": StageException, "66": StageException, "77": StageException, "90": StageException,
	"101": StageException, "104": StageException, "105": StageException, "106": StageException,
	"107": StageException, "109": StageException, "110": StageException, "115": StageException,
	"116": StageException, "117": StageException, "119": StageException, "120": StageException,
	"80": StageReturned, "81": StageReturned, "82": StageReturned,
}

// X12Stage is the normalised stage of an X12 214 AT701 status code; "" when
// the code does not name one.
func X12Stage(code string) string { return x12Stages[code] }

// Rec24Stage is the normalised stage of a UN/ECE Recommendation 24
// transport status code (IFTSTA STS); "" when the code does not name one.
func Rec24Stage(code string) string { return rec24Stages[code] }
