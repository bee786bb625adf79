/*
 * Host functions of the XS cost benchmark (bench/xs). bench/xs/engine.mjs builds a copy of the xsnap of
 * @agoric/xsnap with this file added and these functions defined as globals by xsnap's xsBuildAgent:
 *
 *   benchHeap(what) -> number, read from the machine (nothing is allocated):
 *     0: slots in use (the->currentHeapCount)        1: chunk bytes in use (the->currentChunksSize)
 *     2: sizeof(txSlot)                               3: sizeof(txChunk) (the header of every chunk)
 *     4: slots the heap holds (used and free)
 *   benchCollecting(enable) -> boolean: turns the garbage collector on or off (fxEnableGarbageCollection) and
 *     returns whether it was on.
 *
 * While the collector is off, XS never frees anything: a slot taken from the free list adds 1 to currentHeapCount
 * and a chunk adds its whole (aligned, header included) size to currentChunksSize, and neither goes down until the
 * next collection, so the difference of two readings is what was allocated in between. When the heap runs out it
 * grows instead of collecting. `gc()` (xsnap's, a compacting collection) brings both counters back to what is live.
 */
#include "xsAll.h"

void xs_benchHeap(txMachine* the)
{
	txInteger what = mxArgc > 0 ? fxToInteger(the, mxArgv(0)) : 0;
	txNumber value = -1;
	if (what == 0)
		value = (txNumber)the->currentHeapCount;
	else if (what == 1)
		value = (txNumber)the->currentChunksSize;
	else if (what == 2)
		value = (txNumber)sizeof(txSlot);
	else if (what == 3)
		value = (txNumber)sizeof(txChunk);
	else if (what == 4) {
		txSlot* heap = the->firstHeap;
		txNumber count = 0;
		while (heap) {
			count += (txNumber)(heap->value.reference - heap - 1);
			heap = heap->next;
		}
		value = count;
	}
	mxResult->kind = XS_NUMBER_KIND;
	mxResult->value.number = value;
}

void xs_benchCollecting(txMachine* the)
{
	txBoolean was = (the->collectFlag & XS_COLLECTING_FLAG) ? 1 : 0;
	if (mxArgc > 0)
		fxEnableGarbageCollection(the, fxToBoolean(the, mxArgv(0)));
	mxResult->kind = XS_BOOLEAN_KIND;
	mxResult->value.boolean = was;
}
