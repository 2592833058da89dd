package org.example.nephrodiary.ui

// The dipstick camera screen (clinical-rules §13): the parent taps "dipped" when the strip leaves
// the urine, lays it in the guides beside the bottle's colour chart and takes one photo; the core
// samples the guides' rectangles and suggests a grade, which the parent confirms or corrects in
// the usual grade chips. Nothing is logged until "Confirm". Sources only: this Compose/CameraX
// code has never been built here (no Android SDK on this machine; see mobile-demo/README.md).

import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.ColorSpace
import android.os.SystemClock
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageCapture
import androidx.camera.core.ImageCaptureException
import androidx.camera.core.ImageProxy
import androidx.camera.view.LifecycleCameraController
import androidx.camera.view.PreviewView
import androidx.compose.foundation.Canvas as ComposeCanvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.LocalLifecycleOwner
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import java.nio.ByteBuffer
import org.example.nephrodiary.core.DipstickPhotoScreen
import org.example.nephrodiary.core.Words
import uniffi.nephro.*
import uniffi.nephro_core.ChartSwatchRect
import uniffi.nephro_core.PhotoBuffer
import uniffi.nephro_core.PhotoLayout

/** A guide rectangle as fractions of the photo (the preview shows the same frame). */
private data class Guide(val x: Float, val y: Float, val w: Float, val h: Float) {
    fun rect(width: Int, height: Int) = PhotoRect(
        (x * width).toInt().toUInt(), (y * height).toInt().toUInt(),
        (w * width).toInt().coerceAtLeast(1).toUInt(), (h * height).toInt().coerceAtLeast(1).toUInt(),
    )
}

/** The guides: the chart's white strip, six swatch squares under it, the pad below. */
private object Guides {
    val white = Guide(0.08f, 0.10f, 0.84f, 0.06f)
    val swatches = listOf(
        DipstickGrade.NEGATIVE, DipstickGrade.TRACE, DipstickGrade.ONE_PLUS,
        DipstickGrade.TWO_PLUS, DipstickGrade.THREE_PLUS, DipstickGrade.FOUR_PLUS,
    ).mapIndexed { i, grade -> grade to Guide(0.08f + i * 0.145f, 0.22f, 0.09f, 0.12f) }
    val pad = Guide(0.45f, 0.62f, 0.10f, 0.10f)

    fun layout(width: Int, height: Int) = PhotoLayout(
        white.rect(width, height),
        swatches.map { (grade, g) -> ChartSwatchRect(grade, g.rect(width, height)) },
        pad.rect(width, height),
    )
}

/** The captured frame as 8-bit sRGB RGBA (a Display P3 or other camera buffer is converted). */
private fun ImageProxy.toSrgbBuffer(): PhotoBuffer {
    val captured = toBitmap()
    val srgb = ColorSpace.get(ColorSpace.Named.SRGB)
    val bitmap = if (captured.config == Bitmap.Config.ARGB_8888 && captured.colorSpace == srgb) captured else
        Bitmap.createBitmap(captured.width, captured.height, Bitmap.Config.ARGB_8888, false, srgb).also {
            Canvas(it).drawBitmap(captured, 0f, 0f, null) // Canvas converts between colour spaces
        }
    val bytes = ByteBuffer.allocate(bitmap.rowBytes * bitmap.height)
    bitmap.copyPixelsToBuffer(bytes) // ARGB_8888 is laid out R, G, B, A in memory
    return PhotoBuffer(bitmap.width.toUInt(), bitmap.height.toUInt(), bitmap.rowBytes.toUInt(), bytes.array())
}

@Composable
fun DipstickCameraTab(
    camera: DipstickPhotoScreen?,
    /** The read window printed on the bottle (seconds after dipping), from the settings. */
    readWindowS: Pair<Double, Double>,
    onPhoto: (PhotoBuffer, PhotoLayout, Double) -> Unit,
    onConfirm: (DipstickGrade) -> Unit,
) {
    val context = LocalContext.current
    val lifecycleOwner = LocalLifecycleOwner.current
    val controller = remember {
        LifecycleCameraController(context).apply {
            cameraSelector = CameraSelector.DEFAULT_BACK_CAMERA
            setEnabledUseCases(LifecycleCameraController.IMAGE_CAPTURE)
            imageCaptureMode = ImageCapture.CAPTURE_MODE_MAXIMIZE_QUALITY
            bindToLifecycle(lifecycleOwner)
        }
    }
    var dippedAt by remember { mutableStateOf<Long?>(null) }
    var chosen by remember(camera) { mutableStateOf(camera?.suggested) }

    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Box(Modifier.fillMaxWidth().aspectRatio(3f / 4f)) {
            AndroidView(factory = { PreviewView(it).apply { this.controller = controller } }, modifier = Modifier.fillMaxWidth())
            ComposeCanvas(Modifier.fillMaxWidth().aspectRatio(3f / 4f)) {
                fun draw(g: Guide, colour: Color) = drawRect(
                    colour, Offset(g.x * size.width, g.y * size.height), Size(g.w * size.width, g.h * size.height), style = Stroke(3f),
                )
                draw(Guides.white, Color.White)
                Guides.swatches.forEach { draw(it.second, Color.Yellow) }
                draw(Guides.pad, Color.Cyan)
            }
        }
        if (dippedAt == null) {
            Button(onClick = { dippedAt = SystemClock.elapsedRealtime() }) { Text("Strip dipped: start the timer") }
        } else {
            Text("Read between ${Words.number(readWindowS.first)} and ${Words.number(readWindowS.second)} s after dipping.")
            Button(onClick = {
                controller.takePicture(ContextCompat.getMainExecutor(context), object : ImageCapture.OnImageCapturedCallback() {
                    override fun onCaptureSuccess(image: ImageProxy) {
                        val seconds = (SystemClock.elapsedRealtime() - (dippedAt ?: 0L)) / 1000.0
                        val photo = image.use { it.toSrgbBuffer() }
                        onPhoto(photo, Guides.layout(photo.width.toInt(), photo.height.toInt()), seconds)
                    }

                    override fun onError(exception: ImageCaptureException) = Unit
                })
            }) { Text("Take the photo") }
        }
        camera?.let { screen ->
            Text(screen.title)
            Text(screen.text)
            if (!screen.retake) {
                // The usual grade chips, the suggestion preselected; the parent decides.
                Text("Grade: " + (chosen?.let(Words::grade) ?: "choose one"))
                listOf(
                    DipstickGrade.NEGATIVE, DipstickGrade.TRACE, DipstickGrade.ONE_PLUS,
                    DipstickGrade.TWO_PLUS, DipstickGrade.THREE_PLUS, DipstickGrade.FOUR_PLUS,
                ).forEach { g -> OutlinedButton(onClick = { chosen = g }) { Text(Words.grade(g)) } }
                Button(enabled = chosen != null, onClick = { chosen?.let(onConfirm) }) { Text("Confirm") }
            }
        }
    }
}
