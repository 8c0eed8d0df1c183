import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdDirectory } from '../../../src/core/index/id-directory.js';

describe('IdDirectory', () => {
  it('maps ids to slots like a Map, through binds, unbinds, growth and packing', () => {
    const opArb = fc.oneof(
      fc.record({ op: fc.constant('bind' as const), id: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }),
      fc.record({ op: fc.constant('bindSmall' as const), id: fc.nat(200) }),
      fc.record({ op: fc.constant('unbind' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('pack' as const) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
        const directory = new IdDirectory();
        const model = new Map<number, number>(); // id -> slot
        let nextSlot = 0;
        const bind = (id: number) => {
          if (model.has(id)) return;
          directory.growSlots(nextSlot + 1);
          directory.bind(id, nextSlot);
          model.set(id, nextSlot++);
        };
        for (const op of ops) {
          if (op.op === 'bind' || op.op === 'bindSmall') bind(op.id);
          else if (op.op === 'unbind') {
            const ids = [...model.keys()];
            const id = ids.length > 0 ? ids[op.pick % ids.length] : op.pick;
            expect(directory.unbind(id)).toBe(model.get(id) ?? -1);
            model.delete(id);
          } else {
            const moves: Array<[number, number]> = [];
            directory.pack(nextSlot, (from, to) => moves.push([from, to]));
            const bySlot = [...model].sort((a, b) => a[1] - b[1]);
            expect(moves).toEqual(bySlot.map(([, slot], to) => [slot, to]));
            bySlot.forEach(([id], to) => model.set(id, to));
            nextSlot = model.size;
          }
        }
        expect(directory.size).toBe(model.size);
        for (const [id, slot] of model) {
          expect(directory.slotOf(id)).toBe(slot);
          expect(directory.idOf(slot)).toBe(id);
        }
        expect(directory.slotOf(2 ** 31 - 2)).toBe(model.get(2 ** 31 - 2) ?? -1);
      }),
    );
  });
});
