/** The simulation's fault book: point faults take the next attempts that match, windows every one until they end. */
import { WireFaultBook } from '../../sim/models/wire-faults';

const attempt = (operation: string, pk: string) => ({ service: 'dynamodb' as const, operation, pk, process: 'c1' });

test('a point fault takes the next matching attempts (the SDK retries included), then stops; a window ends on time', () => {
  const book = new WireFaultBook();
  book.addPoint({ service: 'dynamodb', operation: 'UpdateItem', pkPrefix: 'lease#' }, 'applied-then-500', 2);
  book.addWindow({ service: 'dynamodb' }, 'throttle', 1_000);

  const seen = [
    book.faultFor(attempt('GetItem', 'token#k'), 0),
    book.faultFor(attempt('UpdateItem', 'lease#k'), 0),
    book.faultFor(attempt('UpdateItem', 'lease#k'), 10),
    book.faultFor(attempt('UpdateItem', 'lease#k'), 20),
    book.faultFor(attempt('UpdateItem', 'lease#k'), 1_000),
  ];

  expect(seen).toEqual(['throttle', 'applied-then-500', 'applied-then-500', 'throttle', undefined]);
  expect(book.active).toBe(false);
});
