// The demo's venue: the exchange simulator behind its Binance-compatible HTTP server, recording
// every order it accepts (with its reduce-only flag and the moment of acceptance). The record is
// the venue's own, not Warden's: duplicates and orders accepted while halted are counted from it.
import { ExchangeSimulator, SimulatorHttpServer, type FaultConfig } from '../exchange/simulator/index.js';
import type { CreateOrderRequest, Order } from '../exchange/index.js';

/** One order as the venue accepted it. */
export interface AcceptedOrder {
  readonly clientOrderId: string;
  readonly side: 'buy' | 'sell';
  readonly amount: number;
  readonly reduceOnly: boolean;
  /** When the venue accepted it (ms since epoch). */
  readonly acceptedAt: number;
  readonly status: Order['status'];
}

/** An `ExchangeSimulator` that keeps a journal of accepted orders. */
export class RecordingSimulator extends ExchangeSimulator {
  readonly journal: AcceptedOrder[] = [];

  override placeOrder(request: CreateOrderRequest): Order {
    const o = super.placeOrder(request);
    this.journal.push({
      clientOrderId: o.clientOrderId,
      side: o.side,
      amount: o.amount,
      reduceOnly: request.reduceOnly === true,
      acceptedAt: this.clock.now(),
      status: o.status,
    });
    return o;
  }
}

/** The demo's market: BTC/USDT at 100, an account of 100 000 USDT and no BTC (the position is the BTC balance). */
export const DEMO_SYMBOL = 'BTC/USDT';
export const DEMO_MID = 100;

/** A running venue. */
export interface DemoVenue {
  readonly sim: RecordingSimulator;
  readonly server: SimulatorHttpServer;
  readonly url: string;
}

/** Starts the simulator's HTTP server on a free loopback port. */
export async function startVenue(options: { seed?: number; faults?: FaultConfig } = {}): Promise<DemoVenue> {
  const sim = new RecordingSimulator({
    markets: [{ symbol: DEMO_SYMBOL, mid: DEMO_MID, spreadBps: 10, tickSize: 0.01, stepSize: 0.0001 }],
    balances: { USDT: 100_000, BTC: 0 },
    seed: options.seed ?? 1,
    faults: options.faults,
  });
  const server = new SimulatorHttpServer(sim, { holdMs: 5_000 });
  const url = await server.start();
  return { sim, server, url };
}
