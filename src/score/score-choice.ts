// Which combiner scores a `rewardfuse score` run. The shift check needs a
// batch, and score streams: the first piece decides for the whole run (a piece
// is ≥ 512 KiB of records, thousands of items, or the whole input when it is
// smaller; the check compares at most 1,000 of them, spread evenly). Under
// SHIFT_RULE.minRows items, the anchor scores. An input sorted so that its
// start differs from the rest (say, by domain) can mislead it: shuffle such
// input, or score its parts separately.
import { DataReader } from '../data/stream.js';
import type { ItemSet } from '../data/types.js';
import type { BatchChoice, FusionModel } from '../models/model.js';
import type { Piece } from './score-piece.js';

/** The shift check on the first piece's items, and the model that scores every piece; undefined when the piece has no items or cannot be read (scoring it then says why). */
export function chooseOnPiece(model: FusionModel, p: Piece): { choice: BatchChoice; scorer: FusionModel } | undefined {
  let items: ItemSet | undefined;
  try {
    const r = new DataReader(p.source, 'items', { targets: false, uniqueIds: false }, p.format);
    r.continues(p.header);
    r.push(p.text);
    items = r.endPiece() as ItemSet | undefined;
    if (!items) return undefined;
    const n = items.ids.length;
    const choice = model.choose(model.toModelColumns(items.models, items.features, items.scores, items.feats, n).x, n);
    return { choice, scorer: choice.combiner === 'anchor' ? model.anchor! : model };
  } catch {
    return undefined;
  }
}
