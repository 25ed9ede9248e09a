"""nbconvert's ExecutePreprocessor, made to keep the Deno kernel's late outputs.

The Deno kernel (2.9.6) sometimes publishes a cell's execute_result just after it reports itself
idle (measured: about 1 cell in 15, half a millisecond late). nbclient stops listening to a cell at
idle, so that output is lost from the executed notebook. This preprocessor keeps listening until
`late_output_grace` seconds pass without a message for the cell.

Used by tools/execute_notebooks.ts through PYTHONPATH=tools and
--Exporter.preprocessors=deno_execute.DenoExecutePreprocessor.
"""

from queue import Empty

from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async
from nbconvert.preprocessors import ExecutePreprocessor
from traitlets import Float


class DenoExecutePreprocessor(ExecutePreprocessor):
    late_output_grace = Float(
        0.3, help="Seconds to keep listening for a cell's outputs after the kernel is idle."
    ).tag(config=True)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await ensure_async(
                    self.kc.iopub_channel.get_msg(timeout=self.late_output_grace)
                )
            except Empty:
                return
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    pass
