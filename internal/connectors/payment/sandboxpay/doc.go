// Package sandboxpay is a simulated card-accepting payment institution
// for the sandbox (clause 5.3.3). Documented test card numbers decide
// each outcome, in the style payment institutions use, so an integrator
// can reach every branch of a checkout — approval, each decline code, a
// 3-D Secure challenge passed or failed — without a real card.
//
// # Test cards
//
//	number               brand       outcome
//	4242 4242 4242 4242  visa        approved
//	5555 5555 5555 4444  mastercard  approved
//	2223 0031 2200 3222  mastercard  approved
//	6200 0000 0000 0005  unionpay    approved
//	4000 0000 0000 0002  visa        declined: card_declined
//	4000 0000 0000 9995  visa        declined: insufficient_funds
//	4000 0000 0000 0069  visa        declined: expired_card
//	4000 0000 0000 0127  visa        declined: incorrect_cvc
//	4000 0000 0000 0119  visa        declined: processing_error
//	4100 0000 0000 0019  visa        declined: fraudulent
//	4000 0000 0000 3220  visa        requires_action: 3-D Secure; OTP 123456 approves
//	4000 0000 0000 3063  visa        requires_action: 3-D Secure, then declined: card_declined
//
// Any expiry date in the future and any CVC of three digits (four for
// American Express) work with them. A number failing the Luhn check is
// declined incorrect_number; a past expiry date, expired_card. Any other
// well-formed number is declined card_declined: the sandbox never charges
// a real card.
//
// In a 3-D Secure challenge the one-time password is TestOTP (123456);
// any other answer declines the payment with authentication_failed.
//
// # Card data
//
// A card number and CVC are used to decide the outcome and then dropped:
// the sandbox keeps only the brand, the last four digits and the expiry,
// never logs a number, and never keeps a CVC, as PCI DSS asks of a live
// system (requirements 3.3 and 3.4).
package sandboxpay
