// A worker thread of `rewardfuse score --threads N`: loads the model once,
// then scores each piece it is sent (../score/score-piece.ts) and posts the lines back,
// encoded here as UTF-8 bytes that move to the main thread, which only writes them.
import { parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../data/errors.js';
import { loadModel } from '../models/file.js';
import { scorePiece, type Piece } from '../score/score-piece.js';

const { modelText, modelFile, combiner } = workerData as { modelText: string; modelFile: string; combiner: string };
// the run's choice, made on its first piece (../score/score-choice.ts); the pool is score-pool.ts
const loaded = loadModel(modelText, modelFile);
const model = combiner === 'anchor' && loaded.anchor ? loaded.anchor : loaded;
const ENCODER = new TextEncoder();

parentPort!.on('message', ({ seq, piece }: { seq: number; piece: Piece }) => {
  try {
    const result = scorePiece(model, piece);
    const out = typeof result.out === 'string' ? ENCODER.encode(result.out) : result.out.slice(); // bytes of their own, to move (the wasm path's are a view of its memory)
    parentPort!.postMessage({ seq, result: { ...result, out } }, [out.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error;
    const data = e instanceof DataError ? { file: e.file, line: e.line, field: e.field, reason: e.reason } : undefined;
    parentPort!.postMessage({ seq, error: { message: err?.message ?? String(e), data } });
  }
});
